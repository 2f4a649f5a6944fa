from __future__ import annotations

from django.http import Http404
from rest_framework import viewsets
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from gptactions.auth_styles import authenticate_header, enabled_authenticators
from gptactions.call_log import CallLogMixin
from gptactions.ownership import OwnedObjectMixin, OwnerFilter
from gptactions.permissions import HasItemScope
from gptactions.renderers import FastJSONRenderer
from gptactions.throttling import ItemRateThrottle
from items.models import Item
from items.schema import item_schema
from items.serializers import ItemSerializer


@item_schema
class ItemViewSet(CallLogMixin, OwnedObjectMixin, viewsets.ModelViewSet):
    queryset = Item.objects.all()
    # The ownership rule: DRF's list() and get_object() keep the caller's items only.
    filter_backends = [OwnerFilter]
    owner_field = "owner"
    serializer_class = ItemSerializer
    permission_classes = [IsAuthenticated, HasItemScope]
    throttle_classes = [ItemRateThrottle]
    renderer_classes = [FastJSONRenderer]
    lookup_value_regex = "[0-9]+"
    # No PUT, as in the schema (items/schema.py says why): 405, and `Allow` never lists it.
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_authenticators(self) -> list[BaseAuthentication]:
        return enabled_authenticators()

    def get_authenticate_header(self, request: Request) -> str | None:
        return authenticate_header(request)

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        # JSON is the only renderer, and nearly every call says Accept */* or application/json (or nothing):
        # those need no Accept parsing (saves ~60,000 of ~2.6 M instructions per GET, 2.4%, counted with
        # bench/instructions.sh). Anything else (a format, parameters, text/html) gets DRF's own answer,
        # 406 included; tests/items/test_hot_path.py holds the two equal.
        accept = request.META.get("HTTP_ACCEPT", "*/*")
        if accept in ("*/*", "application/json") and self.format_kwarg is None and "format" not in request.GET:
            renderer = self.get_renderers()[0]
            return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force)

    def get_object(self) -> Item:
        try:
            return super().get_object()
        except Http404:  # DRF's words name no next step; a GPT reads these
            pk = self.kwargs["pk"]
            raise NotFound(f"No item {pk} among yours. Call listItems to see the ids of your items.") from None

    def perform_create(self, serializer: ItemSerializer) -> None:
        serializer.save(owner=self.request.user)
