"""Credentials on Items API requests, as the GPT editor's auth styles send them."""

from __future__ import annotations

import base64


def auth_headers(style: str, raw_key: str) -> dict[str, str]:
    """Request headers (test-client form) carrying raw_key in one GPT auth style."""
    if style == "basic":
        return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(raw_key.encode()).decode()}
    if style == "bearer":
        return {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}
    if style == "custom":
        return {"HTTP_API_KEY": raw_key}
    raise ValueError(style)
