"""Tunnels that exist only in this process, for unit tests (as Django's locmem email backend)."""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from tunnels.backends.base import AgentError, Tunnel


class InMemoryBackend:
    """Instances share one table, as every PyngrokBackend in a process shares one agent."""

    _tunnels: ClassVar[dict[str, Tunnel]] = {}

    def __init__(self, **kwargs: Any) -> None:
        pass

    def open(self, port: int, domain: str | None = None) -> str:
        public_url = f"https://{domain or secrets.token_hex(6) + '.ngrok-free.app'}"
        if public_url in self._tunnels:
            raise AgentError(f"{public_url} is already online elsewhere; stop the other tunnel first (ERR_NGROK_334).")
        self._tunnels[public_url] = Tunnel(public_url=public_url, upstream=f"http://127.0.0.1:{port}")
        return public_url

    def close(self, public_url: str) -> None:
        self._tunnels.pop(public_url, None)

    def status(self) -> list[Tunnel]:
        return list(self._tunnels.values())

    def stop(self) -> None:
        self._tunnels.clear()
