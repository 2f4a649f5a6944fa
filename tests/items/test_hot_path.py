"""What keeps the authenticated GET lean: queries per call, and each shortcut held equal to the slow path."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.mixins import ListModelMixin
from rest_framework.viewsets import GenericViewSet

from gptactions import credential_cache
from gptactions.models import ApiKey
from gptactions.selectors import api_key_find
from items.models import Item
from items.selectors import OwnedItems, item_get, item_list
from items.serializers import ItemSerializer
from items.views import ItemViewSet
from tests.factories import make_access_token, make_api_key, make_item, make_user
from tests.helpers.api import auth_headers

pytestmark = pytest.mark.django_db

STYLES = ["bearer", "basic", "custom", "oauth"]


def headers_for(style: str, user) -> dict[str, str]:
    if style == "oauth":
        return {"HTTP_AUTHORIZATION": f"Bearer {make_access_token(user)[1]}"}
    return auth_headers(style, make_api_key(user)[1])


def sql_of(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries.captured_queries]


def writes_of(queries: CaptureQueriesContext) -> list[str]:
    return [sql for sql in sql_of(queries) if not sql.lstrip().upper().startswith("SELECT")]


# Queries of one call: (first call of a credential, later calls; the first verifies the key or token).
# An authenticated GET: at most 2 cold, 1 warm (issue 9).
ENDPOINTS = {
    "retrieve": ("get", True, None, (2, 1)),
    "list": ("get", False, None, (3, 2)),  # the count and the page
    "create": ("post", False, {"name": "New", "price": 1}, (2, 1)),
    "partial_update": ("patch", True, {"name": "Renamed"}, (3, 2)),  # read, then update
    "destroy": ("delete", True, None, (3, 2)),  # read, then delete
}


class QueryCountTests:
    @pytest.mark.parametrize("style", STYLES)
    @pytest.mark.parametrize("endpoint", list(ENDPOINTS))
    def test_queries_per_call_cold_and_warm_with_no_bookkeeping_write(self, api, user, style, endpoint, settings):
        # Throttling on, as in production.
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_THROTTLE_RATE": "600/min"}
        method, on_item, body, (cold, warm) = ENDPOINTS[endpoint]
        headers = headers_for(style, user)
        for _ in range(3):
            make_item(user)
        api.get("/items/", **headers)  # first use of a key records last_used_at: once, not per call
        credential_cache.api_keys.clear()
        credential_cache.access_tokens.clear()
        counts = []
        for _ in range(2):
            path = f"/items/{make_item(user).pk}" if on_item else "/items/"
            with CaptureQueriesContext(connection) as queries:
                response = getattr(api, method)(path, body, format="json", **headers)
            assert response.status_code < 300, response.content
            data_writes = [sql for sql in writes_of(queries) if "gptactions_apikey" in sql or "oauth2" in sql]
            assert data_writes == [], data_writes
            counts.append(len(queries))
        assert counts == [cold, warm], [cold, warm]


class RepresentationTests:
    ITEMS = [
        {"name": "ChatGPT", "description": "OpenAI LLM", "price": Decimal("20.0"), "tax": None},
        {"name": "x" * 200, "description": "", "price": Decimal("0.1"), "tax": Decimal("0")},
        {"name": "Ünïcødé ✓", "description": "d" * 1000, "price": Decimal("9999999999.99"), "tax": Decimal("1.5")},
    ]

    @pytest.mark.parametrize("fields", ITEMS, ids=["seed", "edges", "large"])
    def test_hand_written_representation_equals_model_serializers(self, user, fields):
        item = item_list(owner=user).get(pk=make_item(user, **fields).pk)
        generic = serializers.ModelSerializer.to_representation(ItemSerializer(), item)
        assert ItemSerializer(item).data == generic
        assert list(ItemSerializer(item).data) == list(generic)

    def test_equal_for_a_non_utc_time_and_time_zone(self, user, settings):
        settings.TIME_ZONE = "Asia/Shanghai"
        item = make_item(user)
        item.created_at = datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC)
        generic = serializers.ModelSerializer.to_representation(ItemSerializer(), item)
        assert ItemSerializer(item).data == generic

    def test_response_body_is_what_the_serializer_gives(self, keyed_api, user):
        item = make_item(user, price=Decimal("3.10"), tax=Decimal("0.25"))
        body = keyed_api.get(f"/items/{item.pk}").json()
        generic = serializers.ModelSerializer.to_representation(ItemSerializer(), item_list(owner=user).get())
        assert body == {**generic, "price": 3.1, "tax": 0.25}


class WriteFieldsTests:
    def test_fields_equal_model_serializers_and_are_each_serializers_own(self):
        generic = serializers.ModelSerializer.get_fields(ItemSerializer())
        first, second = ItemSerializer().fields, ItemSerializer().fields
        assert [repr(field) for field in first.values()] == [repr(field) for field in generic.values()]
        assert list(first) == list(generic)
        assert all(first[name] is not second[name] for name in first)
        assert first["name"].parent is not second["name"].parent

    @pytest.mark.parametrize(
        "body",
        [
            {"name": "New", "price": 1},
            {"name": "New", "description": "d", "price": 18.499, "tax": None},
            {},
            {"name": 0, "price": "1"},
            {"name": "", "price": -1, "tax": 1e11},
            {"name": "x" * 300, "price": 1, "id": 5, "created_at": "2020-01-01T00:00:00Z"},
            {"name": "nul\x00", "price": True},
        ],
    )
    def test_writes_answer_as_with_model_serializers_fields(self, keyed_api, user, body, monkeypatch):
        def call():
            response = keyed_api.post("/items/", body, format="json")
            data = response.json()
            for moving in ("id", "created_at", "updated_at"):
                data.pop(moving, None)
            return response.status_code, data

        fast = call()
        monkeypatch.setattr(ItemSerializer, "get_fields", serializers.ModelSerializer.get_fields)
        assert fast == call()


class ApiKeyFindTests:
    def test_equals_the_orm_with_its_user_and_no_further_query(self, user):
        api_key, raw_key = make_api_key(user, expires_at=datetime(2030, 1, 2, tzinfo=UTC))
        api_key.revoked_at = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
        api_key.save()
        expected = ApiKey.objects.select_related("user").get(prefix=api_key.prefix)
        found = api_key_find(raw_key=raw_key)
        assert fields_of([found]) == fields_of([expected])  # revoked keys are found: the caller refuses them
        with CaptureQueriesContext(connection) as queries:
            assert fields_of([found.user]) == fields_of([expected.user])
        assert len(queries) == 0
        assert found._state.adding is False and found.user._state.db == "default"

    def test_none_for_an_unknown_prefix_or_a_wrong_secret(self, user):
        _api_key, raw_key = make_api_key(user)
        assert api_key_find(raw_key=raw_key[:-1] + ("A" if raw_key[-1] != "A" else "B")) is None  # its prefix
        assert api_key_find(raw_key="gpta_" + "x" * 40) is None
        assert api_key_find(raw_key=raw_key) is not None


class ItemGetTests:
    def test_equals_the_orm_for_own_item(self, user):
        item = make_item(user, description="d", price=Decimal("12.34"), tax=Decimal("0.5"))
        expected = item_list(owner=user).get(pk=item.pk)
        found = item_get(owner=user, pk=item.pk)
        assert {f.attname: getattr(found, f.attname) for f in found._meta.concrete_fields} == {
            f.attname: getattr(expected, f.attname) for f in expected._meta.concrete_fields
        }
        assert found._state.adding is False and found._state.db == "default"

    @pytest.mark.parametrize("pk", [0, -1, 2**63, 10**30])
    def test_none_where_the_orm_finds_none(self, user, pk):
        assert item_get(owner=user, pk=pk) is None
        assert item_list(owner=user).filter(pk=pk).first() is None

    def test_another_users_item_is_none(self, user):
        item = make_item(make_user())
        assert item_get(owner=user, pk=item.pk) is None


def fields_of(items) -> list[dict]:
    return [{f.attname: getattr(item, f.attname) for f in item._meta.concrete_fields} for item in items]


class OwnedItemsTests:
    @pytest.fixture
    def items(self, user):
        make_item(make_user())  # someone else's
        same_time = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        made = [make_item(user, price=Decimal(n) / 7, tax=None if n % 2 else Decimal("0.5")) for n in range(7)]
        Item.objects.filter(pk__in=[made[2].pk, made[3].pk, made[4].pk]).update(created_at=same_time)  # ties
        return made

    def test_count_and_every_slice_equal_the_querysets(self, user, items):
        queryset, owned = item_list(owner=user), OwnedItems(user)
        assert owned.count() == queryset.count() == 7
        for start, stop in [(0, 3), (3, 6), (6, 7), (0, 7), (5, 20), (7, 9), (2, 2)]:
            assert fields_of(owned[start:stop]) == fields_of(queryset[start:stop]), (start, stop)

    def test_a_user_with_no_items(self, user):
        assert OwnedItems(user).count() == 0
        assert OwnedItems(user)[0:20] == []

    @pytest.mark.parametrize(
        "query", ["", "?page=2&page_size=3", "?page=3&page_size=3", "?page=4&page_size=3", "?page=x", "?page_size=50"]
    )
    def test_the_list_answers_as_with_the_queryset(self, keyed_api, user, items, query, monkeypatch):
        def call():
            response = keyed_api.get(f"/items/{query}")
            return response.status_code, response.json()

        fast = call()
        monkeypatch.setattr(ItemViewSet, "list", ListModelMixin.list)
        assert fast == call()


class ContentNegotiationTests:
    @pytest.mark.parametrize(
        "accept",
        [None, "*/*", "application/json", "application/json; indent=2", "application/*", "text/html", "text/html, */*"],
    )
    @pytest.mark.parametrize("query", ["", "?format=json", "?format=xml"])
    def test_the_shortcut_answers_as_drf_does(self, keyed_api, user, accept, query, monkeypatch):
        item = make_item(user)
        headers = {} if accept is None else {"HTTP_ACCEPT": accept}

        def call():
            response = keyed_api.get(f"/items/{item.pk}{query}", **headers)
            return response.status_code, response.get("Content-Type"), response.content

        fast = call()
        monkeypatch.setattr(ItemViewSet, "perform_content_negotiation", GenericViewSet.perform_content_negotiation)
        assert fast == call()
