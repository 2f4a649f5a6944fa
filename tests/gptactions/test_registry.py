"""The registry's own rules: names derived from a registration, the allowlist, clashes refused at start-up.

Through a ResourceSite of the test's own (the project's `gptactions.site` and its urls stay as they are).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from gptactions.registry import ResourceSite
from tests.notes.models import Note
from tests.notes.serializers import NoteSerializer
from tests.notes.views import NoteViewSet


class ShelfViewSet(viewsets.ModelViewSet):
    queryset = Note.objects.all()
    serializer_class = NoteSerializer

    @action(detail=True, methods=["post"])
    def pin(self, request, pk=None) -> Response:
        return Response({})

    @action(detail=False, methods=["get"], url_path="recently-pinned")
    def recently_pinned(self, request) -> Response:
        return Response([])


def specs(resource) -> dict[str, tuple]:
    return {
        spec.action: (spec.method, spec.operation_id, spec.tool_name, spec.title, spec.scope, spec.consequential)
        for spec in resource.specs()
    }


def test_names_scopes_and_consequences_follow_from_the_registration():
    site = ResourceSite()
    resource = site.register(
        ShelfViewSet,
        prefix="shelf",
        actions=["list", "retrieve", "create", "partial_update", "destroy", "pin", "recently_pinned"],
    )
    assert specs(resource) == {
        "list": ("GET", "listNotes", "list_notes", "List notes", "shelf:read", False),
        "retrieve": ("GET", "getNote", "get_note", "Get a note", "shelf:read", False),
        "create": ("POST", "createNote", "create_note", "Create a note", "shelf:write", False),
        "partial_update": ("PATCH", "updateNote", "update_note", "Change a note", "shelf:write", True),
        "destroy": ("DELETE", "deleteNote", "delete_note", "Delete a note", "shelf:write", True),
        # @action routes: their own verb; a write not said otherwise asks first.
        "pin": ("POST", "pinNote", "pin_note", "Pin a note", "shelf:write", True),
        "recently_pinned": (
            "GET",
            "recentlyPinnedNotes",
            "recently_pinned_notes",
            "Recently pinned notes",
            "shelf:read",
            False,
        ),
    }
    pin = resource.spec("pin")
    assert (pin.detail, pin.route, pin.url_name) == (True, "/shelf/{id}/pin/", "note-pin")
    assert resource.spec("recently_pinned").route == "/shelf/recently-pinned/"
    assert (pin.read_only, pin.idempotent, pin.destructive) == (False, False, True)
    assert pin.view().actions == {"post": "pin"}  # the viewset's own view for this action alone
    assert resource.scopes == {"shelf:read": "Read your notes", "shelf:write": "Create, change and delete your notes"}


def test_a_registration_can_rename_and_reclassify():
    resource = ResourceSite().register(
        ShelfViewSet,
        prefix="shelf",
        actions=["pin"],
        singular="shelf note",
        operation_ids={"pin": "pinShelfNote"},
        consequential={"pin": False},
        destructive={"pin": False},
        action_scopes={"pin": "shelf:pin"},
        scope_descriptions={"shelf:pin": "Pin your notes"},
    )
    pin = resource.spec("pin")
    assert (pin.operation_id, pin.tool_name, pin.title) == ("pinShelfNote", "pin_shelf_note", "Pin a shelf note")
    assert (pin.consequential, pin.destructive, pin.scope) == (False, False, "shelf:pin")
    assert resource.scopes == {"shelf:pin": "Pin your notes"}  # only the scopes its actions need


def test_the_allowlist_names_only_actions_the_viewset_has():
    with pytest.raises(ImproperlyConfigured, match="ShelfViewSet has no action archive"):
        ResourceSite().register(ShelfViewSet, prefix="shelf", actions=["list", "archive"])


def test_clashes_are_refused_when_registering():
    site = ResourceSite()
    site.register(ShelfViewSet, prefix="shelf", actions=["list"])
    with pytest.raises(ImproperlyConfigured, match="registered already"):
        site.register(ShelfViewSet, prefix="other", actions=["list"])
    with pytest.raises(ImproperlyConfigured, match="prefix 'shelf'"):
        site.register(NoteViewSet, prefix="shelf", actions=["create"])
    with pytest.raises(ImproperlyConfigured, match="another resource has the tools list_notes"):
        site.register(NoteViewSet, prefix="notes", actions=["list"])
