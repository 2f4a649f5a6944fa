from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from rest_framework import viewsets
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request

from items.auth_styles import authenticate_header, enabled_authenticators
from items.models import Item
from items.permissions import HasItemScope
from items.schema import item_schema
from items.selectors import item_get, item_list
from items.serializers import ItemSerializer
from items.throttling import ItemRateThrottle


@item_schema
class ItemViewSet(viewsets.ModelViewSet):
    serializer_class = ItemSerializer
    permission_classes = [IsAuthenticated, HasItemScope]
    throttle_classes = [ItemRateThrottle]
    lookup_value_regex = "[0-9]+"

    def get_authenticators(self) -> list[BaseAuthentication]:
        return enabled_authenticators()

    def get_authenticate_header(self, request: Request) -> str | None:
        return authenticate_header(request)

    def get_queryset(self) -> QuerySet[Item]:
        return item_list(owner=self.request.user)

    def get_object(self) -> Item:
        # DRF's get_object through the one-statement selector (no filter backends here to apply).
        item = item_get(owner=self.request.user, pk=int(self.kwargs["pk"]))
        if item is None:
            raise Http404
        self.check_object_permissions(self.request, item)
        return item

    def perform_create(self, serializer: ItemSerializer) -> None:
        serializer.save(owner=self.request.user)
