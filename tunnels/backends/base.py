"""What every tunnel backend provides, and the errors it raises.

Only `manage.py tunnel` opens tunnels (never AppConfig.ready()). Every error is a TunnelError whose message is one
line a person can act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Tunnel:
    public_url: str
    upstream: str


class TunnelError(Exception):
    """A tunnel could not be opened or kept open; the message says what to do."""


class MissingAuthTokenError(TunnelError):
    pass


class AgentNotFoundError(TunnelError):
    pass


class AgentError(TunnelError):
    """The ngrok agent did not start, refused, or stopped."""


class DomainNotReservedError(TunnelError):
    pass


class TunnelBackend(Protocol):
    def open(self, port: int, domain: str | None = None) -> str:
        """Open an https tunnel to 127.0.0.1:port (on the reserved domain, if given); return its public URL."""
        ...

    def close(self, public_url: str) -> None:
        """Close the tunnel; closing one that is not open does nothing."""
        ...

    def status(self) -> list[Tunnel]:
        """The tunnels open now; raises AgentError if the agent that served them has stopped."""
        ...

    def stop(self) -> None:
        """Close every tunnel and stop the agent."""
        ...
