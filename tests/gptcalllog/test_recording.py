"""What the call log records of each Items API call, through the API itself."""

from __future__ import annotations

import base64
import logging
import threading
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.db import OperationalError, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gptcalllog import recorder
from gptcalllog.models import Call
from gptcalllog.recorder import discard, flush
from items.views import ItemViewSet
from tests.factories import SCOPE_READ, make_access_token, make_api_key, make_gpt_client, make_item, make_user
from tests.helpers.api import auth_headers

pytestmark = pytest.mark.django_db

CHATGPT_HEADERS = {
    "HTTP_OPENAI_CONVERSATION_ID": "6f1c2e2a-conversation",
    "HTTP_OPENAI_EPHEMERAL_USER_ID": "0b9d-ephemeral-user",
    "HTTP_OPENAI_GPT_ID": "g-RecipeGPT42",
}


def logged_calls() -> list[Call]:
    flush()
    return list(Call.objects.order_by("id"))


def only_call() -> Call:
    calls = logged_calls()
    assert len(calls) == 1, calls
    return calls[0]


class ApiKeyCallTests:
    @pytest.mark.parametrize("style", ["bearer", "basic", "custom"])
    def test_successful_get_records_who_what_and_chatgpts_ids(self, api, user, style):
        api_key, raw_key = make_api_key(user, name="Recipe key")
        item = make_item(user)
        response = api.get(f"/items/{item.pk}", **auth_headers(style, raw_key), **CHATGPT_HEADERS)
        assert response.status_code == HTTPStatus.OK

        call = only_call()
        assert (call.door, call.method, call.operation_id, call.path, call.status) == (
            "api",
            "GET",
            "getItem",
            f"/items/{item.pk}",
            200,
        )
        assert (call.auth_style, call.credential_kind, call.credential_id, call.credential_name) == (
            style,
            "key",
            api_key.prefix,
            "Recipe key",
        )
        assert (call.user_id, call.username) == (user.pk, "alice")
        assert (call.conversation_id, call.ephemeral_user_id, call.gpt_id) == (
            "6f1c2e2a-conversation",
            "0b9d-ephemeral-user",
            "g-RecipeGPT42",
        )
        assert call.error == ""
        assert 0 < call.latency_ms < 10_000
        assert abs(call.at - timezone.now()) < timedelta(minutes=1)

    def test_each_operation_is_named_by_its_operation_id(self, keyed_api, user):
        item = make_item(user)
        keyed_api.get("/items/")
        keyed_api.post("/items", {"name": "Claude", "price": 18}, format="json")
        keyed_api.patch(f"/items/{item.pk}", {"price": 19}, format="json")
        keyed_api.put(f"/items/{item.pk}", {"name": "Claude", "price": 19}, format="json")
        keyed_api.delete(f"/items/{item.pk}")
        assert [(call.method, call.operation_id, call.status) for call in logged_calls()] == [
            ("GET", "listItems", 200),
            ("POST", "createItem", 201),
            ("PATCH", "updateItem", 200),
            ("PUT", "", 405),  # not served, so no operation
            ("DELETE", "deleteItem", 204),
        ]

    def test_rows_outlive_the_key_and_the_user(self, api, user):
        api_key, raw_key = make_api_key(user, name="Short-lived")
        api.get("/items/", **auth_headers("custom", raw_key))
        flush()
        user.delete()
        call = only_call()
        assert (call.credential_id, call.credential_name, call.username) == (api_key.prefix, "Short-lived", "alice")


class FailedCallTests:
    """A GPT builder most wants to see the failures, the ones decided before the view included."""

    def test_unknown_key_is_recorded_with_its_style_prefix_and_reason(self, api):
        raw_key = "gpta_" + "Z" * 40
        response = api.get("/items/1", **auth_headers("bearer", raw_key))
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        call = only_call()
        assert (call.status, call.operation_id, call.auth_style) == (401, "getItem", "bearer")
        assert (call.credential_kind, call.credential_id, call.username) == ("key", "gpta_ZZZZZZZZ", "")
        assert call.error == "Invalid API key."

    def test_revoked_key_names_the_key_and_why(self, api, user):
        api_key, raw_key = make_api_key(user, name="Old key")
        api_key.revoked_at = timezone.now()
        api_key.save()
        api.get("/items/", **auth_headers("custom", raw_key))
        call = only_call()
        assert (call.status, call.auth_style, call.credential_id) == (401, "custom", api_key.prefix)
        assert call.error == "This API key has been revoked."

    def test_no_credentials(self, api):
        api.get("/items/")
        call = only_call()
        assert (call.status, call.operation_id, call.auth_style, call.credential_id) == (401, "listItems", "", "")
        assert call.error == "Authentication credentials were not provided."

    def test_malformed_basic_header_is_a_basic_401(self, api):
        api.get("/items/", HTTP_AUTHORIZATION="Basic %%%")
        call = only_call()
        assert (call.status, call.auth_style) == (401, "basic")
        assert call.error == "Invalid Basic header: credentials are not base64-encoded UTF-8."

    def test_expired_oauth_token_names_the_reason_chatgpt_needs(self, api):
        _token, raw_token = make_access_token(expires_in=-10)
        api.get("/items/", **auth_headers("bearer", raw_token))
        call = only_call()
        assert (call.status, call.auth_style, call.credential_id) == (401, "oauth", "")
        assert call.error == "The access token has expired."

    def test_missing_scope_is_a_403_of_the_key(self, api, user):
        api_key, raw_key = make_api_key(user, scopes=(SCOPE_READ,))
        api.post("/items", {"name": "x", "price": 1}, format="json", **auth_headers("custom", raw_key))
        call = only_call()
        assert (call.status, call.operation_id, call.credential_id, call.username) == (
            403,
            "createItem",
            api_key.prefix,
            "alice",
        )
        assert "items:write" in call.error

    def test_throttled_call_is_a_429_with_its_operation(self, keyed_api, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_THROTTLE_RATE": "1/min"}
        keyed_api.get("/items/")
        keyed_api.get("/items/")
        assert [(call.status, call.operation_id) for call in logged_calls()] == [(200, "listItems"), (429, "listItems")]
        assert logged_calls()[-1].error.startswith("Request was throttled.")

    def test_invalid_fields_are_named_with_their_messages(self, keyed_api):
        keyed_api.post("/items", {"name": "x", "price": "1.234"}, format="json")
        assert only_call().error == "price: Must be a JSON number such as 18.5 (not text, not null)."

    def test_someone_elses_item_is_a_404(self, keyed_api):
        item = make_item(make_user("bob"))
        keyed_api.get(f"/items/{item.pk}")
        call = only_call()
        assert (call.status, call.operation_id) == (404, "getItem")
        assert call.error.startswith("No item ") and "among yours" in call.error

    def test_method_not_allowed(self, keyed_api):
        keyed_api.generic("TRACE", "/items/1")
        call = only_call()
        assert (call.status, call.method, call.operation_id) == (405, "TRACE", "")


class OAuthCallTests:
    def test_token_call_names_the_gpt_client_and_user(self, api, user):
        application, _secret = make_gpt_client("Recipe GPT")
        _token, raw_token = make_access_token(user, application=application)
        api.get("/items/", **auth_headers("bearer", raw_token))
        call = only_call()
        assert (call.auth_style, call.credential_kind, call.credential_id, call.credential_name) == (
            "oauth",
            "client",
            application.client_id,
            "Recipe GPT",
        )
        assert (call.status, call.username) == (200, "alice")


class NoSecretTests:
    def test_no_key_token_secret_or_body_reaches_the_table(self, api, user):
        _api_key, raw_key = make_api_key(user)
        application, client_secret = make_gpt_client()
        _token, raw_token = make_access_token(user, application=application)
        basic = base64.b64encode(raw_key.encode()).decode()
        body = {"name": "Secret recipe", "description": "grandmother's own", "price": 3}
        for headers in (
            auth_headers("bearer", raw_key),
            auth_headers("basic", raw_key),
            auth_headers("custom", raw_key),
            auth_headers("bearer", raw_token),
            auth_headers("bearer", raw_key[:-1] + "x"),  # a wrong key
            auth_headers("bearer", raw_token + "x"),  # a wrong token
        ):
            api.post("/items", body, format="json", **headers)
            api.get("/items/?page=1&secret=query", **headers)
        # The wrong key's and the wrong token's POST and GET are each counted in one row (one address, one minute).
        assert sum(call.count for call in logged_calls()) == 12

        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM gptcalllog_call")
            dump = repr(cursor.fetchall())
        for secret in (raw_key, raw_key[:-1] + "x", basic, raw_token, client_secret, "Secret recipe", "grandmother"):
            assert secret not in dump
        assert raw_key[: len("gpta_") + 8] in dump  # the prefix the admin shows is what identifies a key
        assert "secret=query" not in dump


class BufferTests:
    def test_a_call_costs_the_request_no_query_and_waits_for_the_writer(self, keyed_api, user):
        item = make_item(user)
        keyed_api.get(f"/items/{item.pk}")  # the key's last use is written once a minute
        with CaptureQueriesContext(connection) as queries:
            keyed_api.get(f"/items/{item.pk}")
        assert not [q for q in queries.captured_queries if "gptcalllog" in q["sql"]]
        assert Call.objects.count() == 0
        assert flush() == 2
        assert Call.objects.count() == 2

    @pytest.mark.parametrize("credential", ["key", "oauth", "wrong key"])
    def test_recording_adds_no_query_to_a_call(self, api, user, settings, credential):
        application, _secret = make_gpt_client()
        raw = {
            "key": lambda: make_api_key(user)[1],
            "oauth": lambda: make_access_token(user, application=application)[1],
            "wrong key": lambda: "gpta_" + "W" * 40,
        }[credential]()
        item = make_item(user)
        api.get(f"/items/{item.pk}", **auth_headers("bearer", raw))  # the key's last use is written once a minute

        def queries_of_a_get() -> list[str]:
            with CaptureQueriesContext(connection) as queries:
                api.get(f"/items/{item.pk}", **auth_headers("bearer", raw))
            return [q["sql"] for q in queries.captured_queries]

        settings.GPT_CALL_LOG = {**settings.GPT_CALL_LOG, "CALL_LOG": False}
        without_log = queries_of_a_get()
        settings.GPT_CALL_LOG = {**settings.GPT_CALL_LOG, "CALL_LOG": True}
        assert queries_of_a_get() == without_log
        expected = 401 if credential == "wrong key" else 200
        calls = logged_calls()  # a wrong key's two 401s are counted in one row (or two, a minute apart)
        assert {call.status for call in calls} == {expected}
        assert sum(call.count for call in calls) == 2  # not the one made with the log off

    def test_flush_seconds_zero_writes_each_call_at_once(self, keyed_api, settings):
        settings.GPT_CALL_LOG = {**settings.GPT_CALL_LOG, "CALL_LOG_FLUSH_SECONDS": 0}
        keyed_api.get("/items/")
        assert Call.objects.count() == 1

    def test_call_log_off_records_nothing(self, keyed_api, settings):
        settings.GPT_CALL_LOG = {**settings.GPT_CALL_LOG, "CALL_LOG": False}
        keyed_api.get("/items/")
        keyed_api.get("/items/999")
        assert logged_calls() == []

    def test_control_characters_in_chatgpts_headers_never_reach_a_terminal(self, keyed_api):
        keyed_api.get("/items/", HTTP_OPENAI_GPT_ID="g-\x1b[31mred\x07", HTTP_OPENAI_CONVERSATION_ID="c" * 500)
        call = only_call()
        assert call.gpt_id == "g-[31mred"
        assert call.conversation_id == "c" * 100


class UnauthenticatedCallTests:
    """Anyone can call without signing in: such calls are counted per address and minute, not one row each."""

    def test_401s_from_one_address_are_one_row_with_their_count(self, api):
        for _ in range(60):
            assert api.get("/items/", REMOTE_ADDR="203.0.113.7").status_code == HTTPStatus.UNAUTHORIZED
        calls = logged_calls()
        assert len(calls) <= 2  # one, or two when a minute ended during the test
        assert sum(call.count for call in calls) == 60
        call = calls[0]
        assert (call.status, call.operation_id, call.client_address, call.username) == (
            401,
            "listItems",
            "203.0.113.7",
            "",
        )
        assert call.error == "Authentication credentials were not provided."

    def test_later_writes_add_to_the_minutes_row(self, api):
        for _ in range(3):
            for _ in range(5):
                api.get("/items/", HTTP_AUTHORIZATION="Bearer gpta_" + "Z" * 40)
            flush()
        calls = list(Call.objects.all())
        assert len(calls) <= 2
        assert sum(call.count for call in calls) == 15
        assert {(call.auth_style, call.credential_id) for call in calls} == {("bearer", "gpta_ZZZZZZZZ")}

    def test_many_addresses_and_made_up_keys_add_a_bounded_number_of_rows(self, api, settings):
        settings.GPT_CALL_LOG = {**settings.GPT_CALL_LOG, "CALL_LOG_ANONYMOUS_ROWS_PER_MINUTE": 5}
        for n in range(300):
            api.get(
                "/items/", HTTP_AUTHORIZATION=f"Bearer gpta_{n:08d}{'x' * 32}", REMOTE_ADDR=f"10.0.{n // 250}.{n % 250}"
            )
            if n % 50 == 0:
                flush()
        calls = logged_calls()
        # Per minute: 5 rows with an address and key, then one row for the rest of the minute's 401s.
        assert len(calls) <= 2 * (5 + 1)
        assert sum(call.count for call in calls) == 300
        assert Call.objects.filter(client_address="").aggregate(Sum("count"))["count__sum"] >= 300 - 2 * 5

    def test_an_authenticated_callers_500_keeps_its_row_and_user(self, keyed_api, user, monkeypatch):
        def broken(*args, **kwargs):
            raise RuntimeError("a bug")

        monkeypatch.setattr(ItemViewSet, "list", broken)
        keyed_api.raise_request_exception = False
        for _ in range(2):
            assert keyed_api.get("/items/").status_code == HTTPStatus.INTERNAL_SERVER_ERROR
        calls = logged_calls()
        assert [(call.status, call.count, call.username, call.client_address, call.error) for call in calls] == [
            (500, 1, "alice", "", "RuntimeError")
        ] * 2

    def test_authenticated_calls_each_keep_their_row_without_an_address(self, keyed_api, api):
        for _ in range(30):
            keyed_api.get("/items/", REMOTE_ADDR="203.0.113.7")
            api.get("/items/", REMOTE_ADDR="203.0.113.7")
        calls = logged_calls()
        authenticated = [call for call in calls if call.username == "alice"]
        assert len(authenticated) == 30
        assert {(call.count, call.client_address, call.status) for call in authenticated} == {(1, "", 200)}
        assert sum(call.count for call in calls if not call.username) == 30


class BatchTests:
    def test_a_full_batch_is_written_by_the_request_that_filled_it_once_answered(
        self, keyed_api, settings, monkeypatch
    ):
        settings.GPT_CALL_LOG = {**settings.GPT_CALL_LOG, "CALL_LOG_FLUSH_SECONDS": 3600, "CALL_LOG_BATCH_SIZE": 3}
        writers = []
        insert = recorder._insert
        monkeypatch.setattr(
            recorder, "_insert", lambda rows: writers.append((threading.get_ident(), len(rows))) or insert(rows)
        )
        keyed_api.get("/items/")
        keyed_api.get("/items/")
        assert Call.objects.count() == 0
        keyed_api.get("/items/")  # Django's request_finished, which the server sends once the answer is out
        assert writers == [(threading.get_ident(), 3)]  # not the background thread, which waits for the GIL
        assert Call.objects.count() == 3

    def test_the_rows_of_succeeded_calls_are_the_general_rows(self, api, user):
        """_succeeded_call_row, which reads a credential's labels once a batch, writes what _row(call.fields()) does."""
        bob = make_user("bob")
        (_, alice_key), (_, other_key), (_, bob_key) = make_api_key(user), make_api_key(user), make_api_key(bob)
        application, _secret = make_gpt_client()
        _, token = make_access_token(user, application=application)
        item = make_item(user)
        calls = [
            ("bearer", alice_key, f"/items/{item.pk}", {}),
            ("bearer", alice_key, "/items/", CHATGPT_HEADERS),
            ("basic", alice_key, "/items/", {}),
            ("custom", other_key, f"/items/{item.pk}", {"HTTP_OPENAI_GPT_ID": "g-\x1b[31mred"}),
            ("custom", bob_key, "/items/", {"HTTP_OPENAI_CONVERSATION_ID": "c" * 300}),
            ("bearer", token, f"/items/{item.pk}", CHATGPT_HEADERS),
            ("bearer", token, "/items/", {}),
            ("custom", bob_key, f"/items/{item.pk}", {}),  # alice's item: a 404, the general path
        ]
        for style, credential, path, headers in calls * 2:  # the second time, labels come from the first
            api.get(path, **auth_headers(style, credential), **headers)
        waiting = list(recorder._buffer._calls)
        labels: dict = {}
        quick = [recorder._succeeded_call_row(call, labels) for call in waiting]
        general = [recorder._row(call.fields()) for call in waiting]
        assert (
            [row is None for row in quick]
            == [call.status >= 400 for call in waiting]
            == [False] * 7 + [True] + [False] * 7 + [True]
        )
        assert [row for row in quick if row is not None] == [
            row for row, call in zip(general, waiting, strict=True) if call.status < 400
        ]
        assert {row[3] for row in general} == {"key", "client"} and len({row[6] for row in general}) == 2


class PruningTests:
    def test_writing_the_log_deletes_calls_older_than_call_log_days_without_a_command(self, keyed_api, settings):
        settings.GPT_CALL_LOG = {**settings.GPT_CALL_LOG, "CALL_LOG_DAYS": 7}

        def old_call(days: int) -> Call:
            at = timezone.now() - timedelta(days=days)
            return Call.objects.create(at=at, method="GET", path="/items/", status=200, latency_ms=1)

        old, kept = old_call(8), old_call(6)
        keyed_api.get("/items/")
        flush()
        assert set(Call.objects.values_list("pk", flat=True)) >= {kept.pk}
        assert not Call.objects.filter(pk=old.pk).exists()
        # At most once an hour: a write soon after leaves what became old meanwhile to the next hour's.
        later = old_call(9)
        keyed_api.get("/items/")
        flush()
        assert Call.objects.filter(pk=later.pk).exists()

    def test_a_new_process_prunes_on_its_first_write(self, keyed_api):
        Call.objects.create(at=timezone.now() - timedelta(days=31), method="GET", path="/", status=200, latency_ms=1)
        keyed_api.get("/items/")
        flush()
        discard()  # as a new process starts
        keyed_api.get("/items/")
        flush()
        assert [call.path for call in Call.objects.all()] == ["/items/", "/items/"]


def test_calls_the_database_cannot_take_are_dropped_with_one_line_and_no_traceback(api, caplog, monkeypatch):
    _, raw_key = make_api_key()
    assert api.get("/items/", **auth_headers("custom", raw_key)).status_code == HTTPStatus.OK

    def refuse(self: BaseDatabaseWrapper) -> None:
        raise OperationalError("consuming input failed: server closed the connection unexpectedly")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refuse)
    with caplog.at_level(logging.INFO):
        assert flush() == 0
    monkeypatch.undo()

    [line] = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert line.getMessage() == (
        "Could not write 1 calls to the call log: the database does not answer "
        "(consuming input failed: server closed the connection unexpectedly)."
    )
    assert line.exc_info is None
    assert flush() == 0  # nothing waits any more: dropped, as the call-log section of the README says
