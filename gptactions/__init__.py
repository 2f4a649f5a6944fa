"""GPT Actions and MCP for a Django project's own DRF viewsets: register one, and ChatGPT and Claude can call it."""

from __future__ import annotations

from gptactions.registry import site

# The distribution's version: pyproject.toml reads this literal without importing the package (setuptools
# parses it), and CHANGELOG.md says what changed.
__version__ = "0.2.0"

__all__ = ["site"]
