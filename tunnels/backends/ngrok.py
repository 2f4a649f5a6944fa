"""ngrok through pyngrok, and ngrok's errors said in one line. The only module that imports pyngrok."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import time
from pathlib import Path

from pyngrok import conf as pyngrok_conf
from pyngrok import ngrok, process
from pyngrok.conf import PyngrokConfig
from pyngrok.exception import PyngrokError, PyngrokNgrokError, PyngrokNgrokHTTPError, PyngrokNgrokURLError
from pyngrok.process import NgrokProcess

from tunnels.backends.base import (
    AgentError,
    AgentNotFoundError,
    DomainNotReservedError,
    MissingAuthTokenError,
    Tunnel,
    TunnelError,
)
from tunnels.conf import DOMAINS_PAGE, conf

AUTHTOKEN_PAGE = "https://dashboard.ngrok.com/get-started/your-authtoken"
DOWNLOAD_PAGE = "https://ngrok.com/download"
ERROR_CODE = re.compile(r"ERR_NGROK_\d+")


def _is_pyngrok_script(path: Path) -> bool:
    """pyngrok installs an `ngrok` script that downloads the agent: never run that one."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return True
    return head.startswith(b"#!") and b"pyngrok" in head


def default_ngrok_path() -> str:
    """The agent on PATH (a package manager's ngrok), else where pyngrok would put it."""
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(directory or ".") / "ngrok"
        if candidate.is_file() and os.access(candidate, os.X_OK) and not _is_pyngrok_script(candidate):
            return str(candidate)
    return pyngrok_conf.DEFAULT_NGROK_PATH


def describe(err: str | None) -> str:
    """ngrok's error (several lines, escaped as \\n in its log) as one line: the first sentence and the code."""
    if not err:
        return "no error reported"
    text = err.replace("\\r", "\n").replace("\\n", "\n").replace("\r", "\n")
    lines = [line.strip() for line in text.split("\n") if line.strip() and not ERROR_CODE.fullmatch(line.strip())]
    code = ERROR_CODE.search(text)
    summary = lines[0] if lines else text.strip()
    return f"{summary} ({code.group(0)})" if code and code.group(0) not in summary else summary


def _hint(code: str | None) -> str:
    if code in ("ERR_NGROK_105", "ERR_NGROK_106", "ERR_NGROK_107", "ERR_NGROK_4018"):
        return f"; check NGROK_AUTHTOKEN against {AUTHTOKEN_PAGE}"
    if code == "ERR_NGROK_108":
        return "; another ngrok agent runs on this account: stop it (https://dashboard.ngrok.com/agents)"
    return ""


class PyngrokBackend:
    """ngrok through pyngrok, always with an explicit config, and never letting pyngrok download the agent."""

    def __init__(
        self,
        *,
        ngrok_path: str | None = None,
        config_path: str | None = None,
        auth_token: str | None = None,
        startup_timeout: int = 15,
        request_timeout: float = 4,
    ) -> None:
        self.auth_token = conf.NGROK_AUTHTOKEN if auth_token is None else auth_token
        self.path_is_default = not (ngrok_path or conf.NGROK_PATH)
        self.config = PyngrokConfig(
            ngrok_path=ngrok_path or conf.NGROK_PATH or default_ngrok_path(),
            config_path=config_path or conf.NGROK_CONFIG_PATH,
            auth_token=self.auth_token or None,
            startup_timeout=startup_timeout,
            request_timeout=request_timeout,
            # Its own session: Ctrl+C reaches only the command, which closes the tunnel before stopping the agent.
            start_new_session=True,
        )
        self._agent: NgrokProcess | None = None

    def open(self, port: int, domain: str | None = None) -> str:
        if not self.auth_token:
            raise MissingAuthTokenError(
                f"NGROK_AUTHTOKEN is not set: copy your authtoken from {AUTHTOKEN_PAGE} "
                "(a free ngrok account) into .env as NGROK_AUTHTOKEN=..."
            )
        self._check_binary()
        # pyngrok 9 speaks the v3 agent API (/api/endpoints): a static domain is the endpoint's `url`.
        options = {"url": f"https://{domain}"} if domain else {}
        try:
            tunnel = ngrok.connect(
                f"http://127.0.0.1:{port}", name=f"django-{port}", pyngrok_config=self.config, **options
            )
        except PyngrokNgrokHTTPError as exc:
            raise self._refusal(exc, domain) from exc
        except PyngrokNgrokURLError as exc:
            raise AgentError(f"the ngrok agent's API does not answer ({exc.reason}).") from exc
        except PyngrokNgrokError as exc:
            raise self._startup_failure(exc) from exc
        except PyngrokError as exc:
            raise AgentError(f"ngrok: {exc}") from exc
        if process.is_process_running(self.config.ngrok_path):
            self._agent = process.get_process(self.config)
        public_url = tunnel.public_url or ""
        if not public_url.startswith("https://"):
            self.close(public_url)
            raise AgentError(f"ngrok opened {public_url!r}, not an https URL; ChatGPT needs https.")
        return public_url

    def close(self, public_url: str) -> None:
        try:
            ngrok.disconnect(public_url, pyngrok_config=self.config)
        except PyngrokError:
            pass  # the agent is gone, and its tunnels with it

    def status(self) -> list[Tunnel]:
        agent = self._agent
        if agent is None:
            if not process.is_process_running(self.config.ngrok_path):
                return []
            agent = process.get_process(self.config)
        if agent.proc.poll() is not None:
            self._agent = None
            raise AgentError(f"the ngrok agent stopped unexpectedly{self._last_words(agent)}.")
        try:
            listing = ngrok.api_request(f"{agent.api_url}/api/endpoints", timeout=self.config.request_timeout)
        except (PyngrokError, OSError, http.client.HTTPException) as exc:
            # pyngrok wraps only urllib's errors: an agent exiting during the request resets the connection.
            try:
                agent.proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                raise AgentError(f"the ngrok agent does not answer on {agent.api_url} ({exc}).") from exc
            self._agent = None
            raise AgentError(f"the ngrok agent stopped unexpectedly{self._last_words(agent)}.") from exc
        return [
            Tunnel(
                public_url=item.get("url") or item.get("public_url") or "",
                upstream=(item.get("upstream") or {}).get("url") or (item.get("config") or {}).get("addr") or "",
            )
            for item in listing.get("endpoints") or listing.get("tunnels") or []
        ]

    def stop(self) -> None:
        agent, self._agent = self._agent, None
        if agent is not None and agent.proc.poll() is None:
            # A polite stop first, so the agent can close its session with ngrok's cloud.
            agent.proc.terminate()
            try:
                agent.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                pass  # ngrok.kill below ends it
        ngrok.kill(pyngrok_config=self.config)

    def _check_binary(self) -> None:
        # pyngrok downloads the agent when the path is missing: refuse before it gets the chance.
        path = self.config.ngrok_path
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return
        if self.path_is_default:
            raise AgentNotFoundError(
                f"the ngrok agent is not installed (looked on PATH and at {path}): install it from {DOWNLOAD_PAGE}, "
                "or set NGROK_PATH to it."
            )
        raise AgentNotFoundError(
            f"NGROK_PATH is {path}, which is not an executable file: install ngrok from "
            f"{DOWNLOAD_PAGE} and point NGROK_PATH at it."
        )

    def _refusal(self, exc: PyngrokNgrokHTTPError, domain: str | None) -> TunnelError:
        try:
            err = json.loads(exc.body).get("details", {}).get("err") or exc.body
        except (ValueError, AttributeError):
            err = exc.body or str(exc)
        code_match = ERROR_CODE.search(err or "")
        code = code_match.group(0) if code_match else None
        if code in ("ERR_NGROK_319", "ERR_NGROK_320"):
            return DomainNotReservedError(
                f"{domain} is not a domain reserved on your ngrok account ({code}): use the static domain listed at "
                f"{DOMAINS_PAGE} (free accounts get one), or run without --domain."
            )
        if code == "ERR_NGROK_334":
            return AgentError(
                f"https://{domain} is already online elsewhere (another tunnel?); stop it first ({code})."
            )
        return AgentError(f"ngrok refused the tunnel: {describe(err)}{_hint(code)}.")

    def _startup_failure(self, exc: PyngrokNgrokError) -> AgentError:
        if exc.ngrok_error:
            return AgentError(
                f"the ngrok agent did not start: {describe(exc.ngrok_error)}{_hint(exc.ngrok_error_code)}."
            )
        return AgentError(
            f"the ngrok agent exited, or was not ready within {self.config.startup_timeout} s, without saying why "
            "(run with -v 2 to see its log)."
        )

    @staticmethod
    def _last_words(agent: NgrokProcess) -> str:
        code = agent.proc.poll()
        # pyngrok's monitor thread may still be logging the agent's last lines, written just before it exited.
        deadline = time.monotonic() + 1
        while not (errors := [log.err for log in agent.logs if log.lvl in ("ERROR", "CRITICAL") and log.err]):
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        said = f": {describe(errors[-1])}" if errors else ""
        return f" (exit code {code}){said}"
