from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.core import serializers
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gptactions.models import ApiKey
from gptactions.selectors import api_key_find
from gptactions.services import api_key_create, api_key_mark_used
from items.models import Item
from tests.factories import make_api_key, make_item
from tests.helpers.api import auth_headers

pytestmark = pytest.mark.django_db


class ApiKeyStorageTests:
    def test_raw_key_is_nowhere_in_the_database(self, user):
        api_key, raw_key = api_key_create(user=user, name="k")
        secret_part = raw_key[len(api_key.prefix) :]
        dump = serializers.serialize("json", ApiKey.objects.all())
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM gptactions_apikey")
            rows = repr(cursor.fetchall())
        for text in (dump, rows):
            assert raw_key not in text
            assert secret_part not in text

    def test_key_has_recognisable_prefix_and_is_unique(self, user):
        keys = {api_key_create(user=user, name="k")[1] for _ in range(20)}
        assert len(keys) == 20
        assert all(key.startswith("gpta_") and len(key) == 45 for key in keys)

    def test_find_returns_key_only_for_exact_raw_key(self, user):
        api_key, raw_key = api_key_create(user=user, name="k")
        assert api_key_find(raw_key=raw_key) == api_key
        assert api_key_find(raw_key=raw_key.swapcase()) is None
        assert api_key_find(raw_key=raw_key + "x") is None


class LastUsedTests:
    def test_first_use_is_recorded(self, api, user):
        api_key, raw_key = make_api_key(user)
        assert api.get("/items/", **auth_headers("custom", raw_key)).status_code == HTTPStatus.OK
        api_key.refresh_from_db()
        assert api_key.last_used_at is not None

    def test_written_at_most_once_a_minute(self, user):
        api_key, _ = make_api_key(user)
        start = timezone.now()
        api_key_mark_used(api_key=api_key, now=start)
        stale_copy = ApiKey.objects.get(pk=api_key.pk)
        with CaptureQueriesContext(connection) as queries:
            api_key_mark_used(api_key=api_key, now=start + timedelta(seconds=59))
        assert len(queries) == 0
        # Another process holding an older copy does not overwrite a fresh timestamp either.
        stale_copy.last_used_at = start - timedelta(hours=1)
        api_key_mark_used(api_key=stale_copy, now=start + timedelta(seconds=30))
        assert ApiKey.objects.get(pk=api_key.pk).last_used_at == start
        api_key_mark_used(api_key=api_key, now=start + timedelta(seconds=61))
        assert ApiKey.objects.get(pk=api_key.pk).last_used_at == start + timedelta(seconds=61)


class QueryCostTests:
    @pytest.mark.parametrize("style", ["basic", "bearer", "custom"])
    def test_authenticated_get_costs_two_reads_and_no_write(self, api, user, style):
        item = make_item(user)
        api_key, raw_key = make_api_key(user)
        api_key_mark_used(api_key=api_key)
        with CaptureQueriesContext(connection) as queries:
            response = api.get(f"/items/{item.pk}", **auth_headers(style, raw_key))
        assert response.status_code == HTTPStatus.OK
        statements = [q["sql"] for q in queries.captured_queries]
        assert len(statements) == 2, statements
        assert all(sql.lstrip().upper().startswith("SELECT") for sql in statements), statements

    def test_wrong_key_costs_no_query_when_malformed(self, api):
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/items/", HTTP_API_KEY="not-a-key")
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == {"detail": "Invalid API key."}
        assert len(queries) == 0


def test_deleting_a_key_keeps_its_users_items(user):
    item = make_item(user)
    api_key, _ = make_api_key(user)
    api_key.delete()
    assert Item.objects.filter(pk=item.pk).exists()
