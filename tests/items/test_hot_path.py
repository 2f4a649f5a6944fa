"""What keeps the authenticated GET lean: queries per call, and each shortcut held equal to the slow path."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils.connection import ConnectionDoesNotExist
from rest_framework import serializers
from rest_framework.filters import BaseFilterBackend
from rest_framework.viewsets import GenericViewSet

from gptactions import credential_cache
from gptactions.models import ApiKey
from gptactions.ownership import OwnedObjectMixin, OwnerFilter
from gptactions.selectors import api_key_find
from items.models import Item
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
        item = Item.objects.filter(owner=user).get(pk=make_item(user, **fields).pk)
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
        generic = serializers.ModelSerializer.to_representation(ItemSerializer(), Item.objects.filter(owner=user).get())
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

    def test_reads_where_the_routers_say(self, user, settings):
        _api_key, raw_key = make_api_key(user)
        asked = []

        class Router:
            def db_for_read(self, model, **hints):
                asked.append(model)
                return alias

        alias = "default"
        settings.DATABASE_ROUTERS = [Router()]
        found = api_key_find(raw_key=raw_key)
        assert asked == [ApiKey]
        assert found._state.db == found.user._state.db == "default"
        alias = "replica"  # an alias the routers name but DATABASES lacks: the lookup goes there, and fails
        with pytest.raises(ConnectionDoesNotExist):
            api_key_find(raw_key=raw_key)

    def test_none_for_an_unknown_prefix_or_a_wrong_secret(self, user):
        _api_key, raw_key = make_api_key(user)
        assert api_key_find(raw_key=raw_key[:-1] + ("A" if raw_key[-1] != "A" else "B")) is None  # its prefix
        assert api_key_find(raw_key="gpta_" + "x" * 40) is None
        assert api_key_find(raw_key=raw_key) is not None


class FilterBackendTests:
    """ItemViewSet is DRF's ModelViewSet: list() and get_object() start from get_queryset() and its filter backends."""

    class OnlyLamps(BaseFilterBackend):
        def filter_queryset(self, request, queryset, view):
            return queryset.filter(name="Lamp")

    @pytest.fixture
    def only_lamps(self, monkeypatch):
        monkeypatch.setattr(ItemViewSet, "filter_backends", [OwnerFilter, self.OnlyLamps])

    def test_the_list_goes_through_the_filter_backends(self, keyed_api, user, only_lamps):
        lamp, _chair = make_item(user, name="Lamp"), make_item(user, name="Chair")
        make_item(make_user(), name="Lamp")  # someone else's
        body = keyed_api.get("/items/").json()
        assert body["count"] == 1
        assert [item["id"] for item in body["results"]] == [lamp.pk]

    def test_an_item_the_filter_backends_leave_out_is_404(self, keyed_api, user, only_lamps):
        chair = make_item(user, name="Chair")
        response = keyed_api.get(f"/items/{chair.pk}")
        assert response.status_code == 404
        assert response.json()["detail"].startswith(f"No item {chair.pk} among yours.")

    @pytest.mark.parametrize("pk", [0, 2**63, 10**30])
    def test_ids_beyond_the_database_are_404(self, keyed_api, pk):
        assert keyed_api.get(f"/items/{pk}").status_code == 404

    def test_the_page_is_the_querysets(self, keyed_api, user):
        made = [make_item(user) for _ in range(4)]
        body = keyed_api.get("/items/?page=2&page_size=3").json()
        assert body["count"] == 4
        assert [item["id"] for item in body["results"]] == [made[0].pk]
        assert fields_of(Item.objects.filter(owner=user)[3:4]) == fields_of([made[0]])


def fields_of(items) -> list[dict]:
    return [{f.attname: getattr(item, f.attname) for f in item._meta.concrete_fields} for item in items]


class OwnedObjectTests:
    """gptactions.ownership's one-statement get_object answers as DRF's get_object does, on the same database."""

    @pytest.fixture
    def items(self, user):
        return [make_item(user, price=Decimal(n) / 7, tax=None if n % 2 else Decimal("0.5")) for n in range(3)]

    def test_item_viewset_takes_the_one_statement(self, user, items, monkeypatch):
        view = ItemViewSet(request=SimpleNamespace(user=user), kwargs={"pk": str(items[0].pk)}, format_kwarg=None)
        assert view._plain_shape() is not None
        monkeypatch.setattr(ItemViewSet, "filter_backends", [OwnerFilter, BaseFilterBackend])
        assert view._plain_shape() is None
        monkeypatch.undo()
        monkeypatch.setattr(ItemViewSet, "get_queryset", lambda self: Item.objects.filter(owner=self.request.user))
        assert view._plain_shape() is None

    def test_the_instance_equals_the_orms(self, user, items):
        view = ItemViewSet(request=SimpleNamespace(user=user), kwargs={"pk": str(items[1].pk)}, format_kwarg=None)
        view.check_object_permissions = lambda request, obj: None
        found = view.get_object()
        assert fields_of([found]) == fields_of([Item.objects.get(pk=items[1].pk)])
        assert found._state.adding is False and found._state.db == "default"

    @pytest.mark.parametrize("method", ["get", "patch", "delete"])
    @pytest.mark.parametrize("which", ["own", "another_users", "missing", "0", "2**63", "10**30"])
    def test_answers_as_drfs_get_object(self, keyed_api, user, items, method, which, monkeypatch):
        pks = {
            "own": items[0].pk,
            "another_users": make_item(make_user()).pk,
            "missing": items[-1].pk + 1000,
            "0": 0,
            "2**63": 2**63,
            "10**30": 10**30,
        }

        def call():
            with transaction.atomic():
                response = getattr(keyed_api, method)(f"/items/{pks[which]}", {"name": "Renamed"}, format="json")
                transaction.set_rollback(True)  # the next call finds the same rows
            body = response.json() if response.content else None
            if isinstance(body, dict):
                body.pop("updated_at", None)
            return response.status_code, body

        fast = call()
        monkeypatch.setattr(OwnedObjectMixin, "_plain_shape", lambda self: None)
        assert fast == call()

    @pytest.mark.parametrize(
        "query", ["", "?page=2&page_size=3", "?page=3&page_size=3", "?page=4&page_size=3", "?page=x", "?page_size=50"]
    )
    def test_the_list_answers_as_drfs_list(self, keyed_api, user, query, monkeypatch):
        make_item(make_user())  # someone else's
        same_time = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        made = [make_item(user, price=Decimal(n) / 7, tax=None if n % 2 else Decimal("0.5")) for n in range(7)]
        Item.objects.filter(pk__in=[made[2].pk, made[3].pk, made[4].pk]).update(created_at=same_time)  # ties

        def call():
            response = keyed_api.get(f"/items/{query}")
            return response.status_code, response.json()

        with CaptureQueriesContext(connection) as queries:
            fast = call()
        if fast[0] == 200:  # the shortcut's count, not the ORM's
            assert next(q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"]).startswith(
                "SELECT COUNT(*) FROM ("
            )
        monkeypatch.setattr(OwnedObjectMixin, "_plain_shape", lambda self: None)
        assert fast == call()

    def test_a_user_with_no_items_gets_an_empty_page(self, keyed_api):
        assert keyed_api.get("/items/").json()["results"] == []

    @pytest.mark.parametrize("path", ["/items/", "/items/1"])
    def test_reads_where_the_routers_say(self, keyed_api, user, items, settings, path):
        class ItemsElsewhere:
            def db_for_read(self, model, **hints):
                return "replica" if model is Item else None

        settings.DATABASE_ROUTERS = [ItemsElsewhere()]
        with pytest.raises(ConnectionDoesNotExist):  # an alias DATABASES lacks: the read went there
            keyed_api.get(path)


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
