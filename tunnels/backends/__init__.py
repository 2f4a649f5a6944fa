"""The tunnel seam: a public https URL for a local port, from the backend TUNNELS_BACKEND names (as EMAIL_BACKEND).

The interface and the errors are in `base`; one module per backend (`ngrok`, `locmem`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.module_loading import import_string

from tunnels.conf import conf

if TYPE_CHECKING:
    from tunnels.backends.base import TunnelBackend


def get_backend(path: str | None = None, **kwargs: Any) -> TunnelBackend:
    """An instance of the backend class at path (default: the TUNNELS_BACKEND setting); raises ImportError."""
    return import_string(path or conf.TUNNELS_BACKEND)(**kwargs)
