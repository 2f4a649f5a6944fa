from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.processes import free_port
from tests.helpers.tunnels import STANDIN
from tunnels.backends import get_backend
from tunnels.backends.locmem import InMemoryBackend
from tunnels.backends.ngrok import PyngrokBackend

KNOBS = ("FAKE_NGROK_STATE", "FAKE_NGROK_FAIL", "FAKE_NGROK_DIE_AFTER", "FAKE_NGROK_RESERVED")


@pytest.fixture
def state_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the stand-in agent (started by pyngrok in this process) reports itself; its knobs reset."""
    for knob in KNOBS:
        monkeypatch.delenv(knob, raising=False)
    state = tmp_path / "agent.json"
    monkeypatch.setenv("FAKE_NGROK_STATE", str(state))
    return state


@pytest.fixture
def ngrok_settings(settings, tmp_path: Path, state_file: Path):
    """Settings that point pyngrok at the stand-in agent: nothing is downloaded, nothing leaves 127.0.0.1."""
    settings.TUNNELS = {
        **settings.TUNNELS,
        "TUNNELS_BACKEND": "tunnels.backends.ngrok.PyngrokBackend",
        "NGROK_PATH": str(STANDIN),
        "NGROK_CONFIG_PATH": str(tmp_path / "ngrok.yml"),
        "NGROK_AUTHTOKEN": "test-token",
    }
    return settings


@pytest.fixture
def pyngrok_backend(ngrok_settings) -> Iterator[PyngrokBackend]:
    backend = get_backend(startup_timeout=5)
    yield backend
    backend.stop()


@pytest.fixture
def memory_backend(settings) -> Iterator[InMemoryBackend]:
    settings.TUNNELS = {**settings.TUNNELS, "TUNNELS_BACKEND": "tunnels.backends.locmem.InMemoryBackend"}
    backend = InMemoryBackend()
    backend.stop()
    yield backend
    backend.stop()


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def listener(port: int):
    """Something already listening on the port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        yield sock
