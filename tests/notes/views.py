from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from gptactions.permissions import HasActionScope
from gptactions.views import ActionViewSetMixin
from tests.notes.models import Note
from tests.notes.serializers import NoteSerializer


class NoteViewSet(ActionViewSetMixin, viewsets.ModelViewSet):
    """The user's notes. Pinned notes can be found with ?pinned=true."""

    serializer_class = NoteSerializer
    permission_classes = [IsAuthenticated, HasActionScope]

    def get_queryset(self) -> QuerySet[Note]:
        notes = Note.objects.filter(owner=self.request.user)
        if self.request.query_params.get("pinned") == "true":
            notes = notes.filter(pinned=True)
        return notes

    def perform_create(self, serializer: NoteSerializer) -> None:
        serializer.save(owner=self.request.user)
