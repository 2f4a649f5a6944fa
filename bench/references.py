"""What the project is measured against, each from its own virtualenv under data/bench/ (made here, outside
requirements.txt): the seed's FastAPI service (bench/seed/) and our item tools in FastMCP (bench/fastmcp_items/)."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import AbstractContextManager
from pathlib import Path

from load import lua_rotation
from processes import ROOT, serving

BENCH = ROOT / "bench"
VENVS = ROOT / "data" / "bench"
QUIET = "--no-access-log --log-level warning"
# name: (virtualenv, what it installs, uvicorn's options after the app). The seed as its users ran it:
# `uvicorn app:app`, one worker, uvicorn's own logging (an access-log line per request, as our shipped server
# writes); the same without the access log, to compare with ours without it; and at its best.
REFERENCES = {
    "FastAPI plain, 1 worker": ("venv-plain", ["fastapi", "uvicorn"], ""),
    "FastAPI plain, no access log": ("venv-plain", ["fastapi", "uvicorn"], QUIET),
    "FastAPI std, 2 workers": ("venv-standard", ["fastapi", "uvicorn[standard]"], f"--workers 2 {QUIET}"),
}
# FastMCP's latest release when written, pinned (a new pin gets a new virtualenv), with uvicorn's fast install.
FASTMCP_VENV = ("venv-fastmcp-4.1.6", ["fastmcp==4.1.6", "uvicorn[standard]==0.55.0"], f"--workers 2 {QUIET}")
FASTMCP_TOKEN = "bench-fastmcp-static-token"


def python_of(venv: str) -> Path:
    return VENVS / venv / "bin" / "python"


def ensure_venvs() -> None:
    for venv, packages, _options in [*REFERENCES.values(), FASTMCP_VENV]:
        if not python_of(venv).exists():  # the plain seed's two rows share one
            print(f"Installing {' '.join(packages)} into data/bench/{venv} ...", flush=True)
            subprocess.run([sys.executable, "-m", "venv", str(VENVS / venv)], check=True)
            subprocess.run([str(python_of(venv)), "-m", "pip", "install", "-q", *packages], check=True)


def seed_reference(folder: Path) -> tuple[Path, dict[str, str]]:
    """The wrk script calling the seed's GET /items/1 with its key, and the environment its FastAPI runs with."""
    seed_key = "gpta_seedkey" + "0" * 30
    script = lua_rotation([("GET", "/items/1", {"Authorization": f"Bearer {seed_key}"}, None)], folder)
    return script, {**os.environ, "SEED_API_KEY": seed_key, "SEED_DATABASE": str(folder / "seed.db")}


def uvicorn_argv(venv: str, options: str, port: int) -> list[str]:
    return [str(python_of(venv)), "-m", "uvicorn", "app:app", "--port", str(port), *options.split()]


def reference_serving(name: str, port: int, env: dict[str, str]) -> AbstractContextManager:
    venv, _packages, options = REFERENCES[name]
    return serving(uvicorn_argv(venv, options, port), env, port, BENCH / "seed", quiet=True)


def fastmcp_serving(port: int, database: Path, owner: int) -> AbstractContextManager:
    """The FastMCP items app on the bench's database, its static token standing for the user whose id is owner."""
    env = {**os.environ, "FASTMCP_DATABASE": str(database), "FASTMCP_TOKEN": FASTMCP_TOKEN, "FASTMCP_OWNER": str(owner)}
    venv, _packages, options = FASTMCP_VENV
    return serving(uvicorn_argv(venv, options, port), env, port, BENCH / "fastmcp_items")
