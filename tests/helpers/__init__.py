"""Helpers the tests import (conftest files hold fixtures only)."""

from __future__ import annotations
