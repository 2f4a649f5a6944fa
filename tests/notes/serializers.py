from __future__ import annotations

from rest_framework import serializers

from tests.notes.models import Note


class NoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Note
        fields = ["id", "title", "body", "pinned"]
