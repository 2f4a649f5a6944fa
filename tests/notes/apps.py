from __future__ import annotations

from django.apps import AppConfig


class NotesConfig(AppConfig):
    """A second resource, written as a shop writes its own app: the suite proves the platform serves it too."""

    name = "tests.notes"
    label = "notes"
