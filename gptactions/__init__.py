"""GPT Actions and MCP for a Django project's own DRF viewsets: register one, and ChatGPT and Claude can call it."""

from __future__ import annotations

from gptactions.registry import site

__all__ = ["site"]
