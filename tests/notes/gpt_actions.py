from __future__ import annotations

import gptactions
from tests.notes.views import NoteViewSet

gptactions.site.register(
    NoteViewSet,
    prefix="notes",
    actions=["list", "retrieve", "create", "destroy"],  # no PATCH, no PUT: notes are never changed
    description="Keeps the user's notes: a title, a body and whether it is pinned.",
)
