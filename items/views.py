from __future__ import annotations

from django.http import Http404
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated

from gptactions.ownership import OwnedObjectMixin, OwnerFilter
from gptactions.permissions import HasActionScope
from gptactions.views import ActionViewSetMixin
from items.models import Item
from items.schema import item_schema
from items.serializers import ItemSerializer


@item_schema
class ItemViewSet(ActionViewSetMixin, OwnedObjectMixin, viewsets.ModelViewSet):
    queryset = Item.objects.all()
    # The ownership rule: DRF's list() and get_object() keep the caller's items only.
    filter_backends = [OwnerFilter]
    owner_field = "owner"
    serializer_class = ItemSerializer
    permission_classes = [IsAuthenticated, HasActionScope]
    lookup_value_regex = "[0-9]+"
    # No PUT, as in the schema (items/schema.py says why): 405, and `Allow` never lists it.
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_object(self) -> Item:
        try:
            return super().get_object()
        except Http404:  # DRF's words name no next step; a GPT reads these
            pk = self.kwargs["pk"]
            raise NotFound(f"No item {pk} among yours. Call listItems to see the ids of your items.") from None

    def perform_create(self, serializer: ItemSerializer) -> None:
        serializer.save(owner=self.request.user)
