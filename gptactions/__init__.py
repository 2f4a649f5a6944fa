"""The GPT Actions platform: API keys and auth styles, throttles, schema helpers, the resource registry."""

from __future__ import annotations

# The distribution's version (pyproject.toml reads it from here; CHANGELOG.md says what changed).
__version__ = "0.2.0"
