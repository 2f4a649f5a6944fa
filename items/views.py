from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request

from items.auth_styles import authenticate_header, enabled_authenticators
from items.call_log import CallLogMixin
from items.models import Item
from items.permissions import HasItemScope
from items.schema import item_schema
from items.selectors import item_list
from items.serializers import ItemSerializer
from items.throttling import ItemRateThrottle


@item_schema
class ItemViewSet(CallLogMixin, viewsets.ModelViewSet):
    serializer_class = ItemSerializer
    permission_classes = [IsAuthenticated, HasItemScope]
    throttle_classes = [ItemRateThrottle]
    lookup_value_regex = "[0-9]+"
    # No PUT, as in the schema (items/schema.py says why): 405, and `Allow` never lists it.
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_authenticators(self) -> list[BaseAuthentication]:
        return enabled_authenticators()

    def get_authenticate_header(self, request: Request) -> str | None:
        return authenticate_header(request)

    def get_queryset(self) -> QuerySet[Item]:
        return item_list(owner=self.request.user)

    def perform_create(self, serializer: ItemSerializer) -> None:
        serializer.save(owner=self.request.user)
