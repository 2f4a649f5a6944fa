"""The installable platform: one wheel with exactly the platform's packages and their data, and the README's
"Add it to your own Django project" followed to the letter in a fresh project, in a fresh virtualenv."""

from __future__ import annotations

import email
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from http import HTTPStatus
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

import gptactions
from tests.test_architecture import imported_packages

ROOT = Path(__file__).resolve().parent.parent
PLATFORM = {"gptactions", "gptcalllog", "gptmcp", "gptsetup", "oauthconsent", "tunnels"}
# What a build reads from the checkout: everything but the version control, the virtualenv, local data and
# earlier builds (setuptools' build/lib keeps files that are gone from the source, so never build in place).
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "data", "build", "dist", "*.egg-info", "__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache",
    "artifacts", ".env",
)  # fmt: skip
README_SECTION = "## Add it to your own Django project"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one wheel `pip wheel --no-deps -w DIR .` builds from a copy of this checkout."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work / "dist"), str(source)]
    built = subprocess.run(pip_wheel, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    wheels = list((work / "dist").iterdir())
    assert [path.suffix for path in wheels] == [".whl"], wheels
    return wheels[0]


def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def wheel_metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = (n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return email.message_from_bytes(archive.read(name))


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    return canonical(re.match(r"[A-Za-z0-9._-]+", requirement).group())


class WheelTests:
    def test_holds_exactly_the_platform_packages(self, wheel: Path):
        top_level = {name.split("/")[0] for name in wheel_names(wheel)}

        assert {name for name in top_level if not name.endswith(".dist-info")} == PLATFORM

    def test_holds_every_file_of_the_platform_packages_templates_static_migrations_and_locale_included(
        self, wheel: Path
    ):
        source_files = {
            path.relative_to(ROOT).as_posix()
            for package in PLATFORM
            for path in (ROOT / package).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        }
        kinds = {
            kind: {name for name in source_files if f"/{kind}/" in name}
            for kind in ("templates", "static", "migrations", "locale", "management")
        }

        assert source_files - wheel_names(wheel) == set()
        assert all(kinds.values()), kinds  # the scan found each kind of file
        assert {
            "gptactions/locale/zh_Hans/LC_MESSAGES/django.mo",
            "gptactions/locale/zh_Hans/LC_MESSAGES/django.po",
        } <= (wheel_names(wheel))

    def test_metadata_names_the_version_of_gptactions_and_python_311(self, wheel: Path):
        info = wheel_metadata(wheel)

        assert info["Name"] == "django-gpt-actions"
        assert info["Version"] == gptactions.__version__
        assert info["Requires-Python"] == ">=3.11"

    def test_runtime_dependencies_cover_every_import_and_leave_servers_and_test_tools_to_extras(self, wheel: Path):
        requirements = wheel_metadata(wheel).get_all("Requires-Dist")
        runtime = {requirement_name(r) for r in requirements if "extra ==" not in r}
        # What the platform's modules import, beyond the standard library and the platform itself, by distribution.
        distributions = metadata.packages_distributions()
        imported = set()
        for package in PLATFORM:
            for path in (ROOT / package).rglob("*.py"):
                for module in imported_packages(path) - PLATFORM - set(sys.stdlib_module_names) - {"__future__"}:
                    imported |= {canonical(d) for d in distributions.get(module, [module])}
        # A module of a declared dependency's own dependency (asgiref of Django, anyio of mcp) is there too.
        reachable, todo = set(), list(runtime)
        while todo:
            name = todo.pop()
            if name in reachable:
                continue
            reachable.add(name)
            try:
                todo += [requirement_name(r) for r in metadata.requires(name) or [] if "extra ==" not in r]
            except metadata.PackageNotFoundError:
                pass  # required only on other Pythons (exceptiongroup before 3.11): not installed here

        assert imported - reachable == set()
        assert runtime.isdisjoint({"granian", "gunicorn", "uvicorn", "pytest", "ruff", "playwright", "psycopg"})


# THE README, FOLLOWED IN A FRESH PROJECT ---------------------------------------------------------------------


def readme_files() -> list[tuple[str, str, bool]]:
    """The section's Python blocks: (path, text, append?), each block naming its file on its first line."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split(f"\n{README_SECTION}\n", 1)[1].split("\n## ", 1)[0]
    files = []
    for block in re.findall(r"^```python\n(.*?)^```$", section, re.MULTILINE | re.DOTALL):
        first = re.fullmatch(r"# (\S+\.py)( \(add at the end\))?", block.splitlines()[0])
        assert first, f"a Python block of the README section names no file: {block.splitlines()[0]!r}"
        files.append((first.group(1), block, bool(first.group(2))))
    return files


def fresh_environment() -> dict[str, str]:
    """This environment without the example project's settings or this checkout on the path."""
    dropped = ("DJANGO_", "DATABASE_URL", "PYTHONPATH", "VIRTUAL_ENV", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    return {k: v for k, v in os.environ.items() if not k.startswith(dropped)}


def run(args: list[str | Path], cwd: Path, env: dict[str, str], timeout: int = 120) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def call(url: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    return status, json.loads(text) if text else None


@pytest.fixture
def server(tmp_path: Path, wheel: Path) -> Iterator[dict[str, Any]]:
    """The README section applied to `django-admin startproject mysite`, migrated, with a user, a key and runserver."""
    from tests.helpers.processes import free_port

    env = fresh_environment()
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    project = tmp_path / "project"
    project.mkdir()
    run([sys.executable, "-m", "venv", venv], tmp_path, env)
    run([python, "-m", "pip", "install", "--quiet", wheel], tmp_path, env, timeout=600)
    run([venv / "bin" / "django-admin", "startproject", "mysite", project], tmp_path, env)
    run([python, "manage.py", "startapp", "notes"], project, env)
    for path, text, append in readme_files():
        target = project / path
        target.write_text(target.read_text() + "\n\n" + text if append else text)
    for args in (["check", "--fail-level", "WARNING"], ["makemigrations", "notes"], ["migrate", "--noinput"]):
        run([python, "manage.py", *args], project, env)
    run(
        [python, "manage.py", "createsuperuser", "--noinput", "--username", "alice", "--email", "alice@example.com"],
        project,
        env | {"DJANGO_SUPERUSER_PASSWORD": "a long password for alice"},
    )
    raw_key = run([python, "manage.py", "create_api_key", "alice"], project, env).strip().splitlines()[-1]
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=project,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: killed whole, whatever the test does
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            try:
                urllib.request.urlopen(f"{base_url}/api/schema/?format=json", timeout=5).close()
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
                time.sleep(0.2)
        yield {"base_url": base_url, "key": raw_key, "log": tmp_path / "server.log"}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def mcp_tool_call(server: dict[str, Any], name: str, arguments: dict[str, Any]) -> tuple[int, Any]:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments}}
    headers = {
        "Authorization": f"Bearer {server['key']}",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-11-25",
    }
    return call(f"{server['base_url']}/mcp", "POST", body, headers)


def titles(page: dict[str, Any]) -> list[str]:
    """The notes' titles on a page (the README's settings paginate: count, next, previous, results)."""
    return [note["title"] for note in page["results"]]


@pytest.mark.slow
def test_a_fresh_project_following_the_readme_answers_a_gpt_action_and_an_mcp_client(server: dict[str, Any]):
    base_url, bearer = server["base_url"], {"Authorization": f"Bearer {server['key']}"}

    created_status, created = call(f"{base_url}/notes/", "POST", {"title": "Buy milk", "body": "2 litres"}, bearer)
    listed_status, listed = call(f"{base_url}/notes", headers=bearer)
    anonymous_status, _ = call(f"{base_url}/notes/")
    tool_status, tool = mcp_tool_call(server, "list_notes", {})
    made_status, made = mcp_tool_call(server, "create_note", {"title": "From Claude"})
    _, after = call(f"{base_url}/notes/", headers=bearer)
    _, schema = call(f"{base_url}/api/schema/?format=json")

    assert created_status == HTTPStatus.CREATED, created
    assert created["title"] == "Buy milk"
    assert listed_status == HTTPStatus.OK
    assert titles(listed) == ["Buy milk"]
    assert anonymous_status == HTTPStatus.UNAUTHORIZED
    assert tool_status == HTTPStatus.OK, tool
    assert tool["result"]["isError"] is False, tool
    assert titles(tool["result"]["structuredContent"]) == ["Buy milk"]
    assert made_status == HTTPStatus.OK and made["result"]["isError"] is False, made
    assert titles(after) == ["From Claude", "Buy milk"]
    operation_ids = {
        op["operationId"] for item in schema["paths"].values() for op in item.values() if "operationId" in op
    }
    assert {"listNotes", "getNote", "createNote", "updateNote", "deleteNote"} <= operation_ids
