"""OAuth access tokens on the Items API cost no more than API keys do."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_gpt_client, make_item
from tests.helpers.oauth import connect

pytestmark = pytest.mark.django_db


class OAuthQueryCostTests:
    def test_authenticated_get_costs_two_reads_and_no_write(self, client, user, api):
        client.force_login(user)
        token = connect(client, *make_gpt_client())
        item = make_item(user)
        with CaptureQueriesContext(connection) as queries:
            response = api.get(f"/items/{item.pk}", HTTP_AUTHORIZATION=f"Bearer {token['access_token']}")
        assert response.status_code == HTTPStatus.OK
        statements = [query["sql"] for query in queries.captured_queries]
        assert len(statements) == 2, statements  # the token (with its user and client), then the item
        assert all(sql.lstrip().upper().startswith("SELECT") for sql in statements), statements
