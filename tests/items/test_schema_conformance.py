"""schemathesis over the whole schema, in-process against the WSGI app, with a valid key of each style."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import OPERATION_IDS, make_api_key, make_item
from tests.helpers.api import auth_headers
from tests.notes.models import Note

EXAMPLES_PER_OPERATION = 8
# Every check: what the schema refuses is refused (negative_data_rejection), what it allows is accepted
# (positive_data_acceptance), and each response matches its description.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    missing_required_header,
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
]


def _is_loopback(address: object) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str):
        return True  # a Unix socket
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any attempt to open a connection beyond this machine while schemathesis runs."""
    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: object) -> None:
        assert _is_loopback(address), f"schemathesis tried to reach {address!r}"
        real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect)
    yield


@pytest.mark.django_db
@pytest.mark.parametrize("style", ["bearer", "basic", "custom"])
def test_every_operation_conforms_to_the_schema(style, user, wsgi_app, loopback_only, settings):
    # schemathesis' ignored_auth sends many wrong keys, each expecting 401: not a brute-force attempt to stop.
    settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_FAILED_AUTH_RATE": "off"}
    for _ in range(3):
        make_item(user)
    _, raw_key = make_api_key(user)
    headers = {
        {"HTTP_AUTHORIZATION": "Authorization", "HTTP_API_KEY": "api-key"}[name]: value
        for name, value in auth_headers(style, raw_key).items()
    }
    schema = schemathesis.openapi.from_wsgi(f"/api/schema/?format=json&auth={style}", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {operation.definition.raw["operationId"] for operation in operations} == OPERATION_IDS
    for operation in operations:
        items = operation.path.startswith("/items")
        # Negative cases for items only: the suite's notes use a plain ModelSerializer, as a shop would, and DRF's
        # CharField turns a number into text (a schema-violating body accepted); items' serializer is strict.
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if items else (GenerationMode.POSITIVE,):

            @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis.settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case: schemathesis.Case) -> None:
                if mode is GenerationMode.POSITIVE and "id" in case.path_parameters:
                    # A random id is another user's or nobody's (404): aim valid calls at a real item.
                    case.path_parameters["id"] = (
                        make_item(user) if items else Note.objects.create(owner=user, title="n")
                    ).pk
                response = case.call(headers=headers)
                case.validate_response(response, headers=headers, checks=CHECKS)

            run()


@pytest.mark.django_db
def test_missing_scope_403_conforms_to_the_schema(user, wsgi_app):
    _, read_only_key = make_api_key(user, scopes=("items:read",))
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json&auth=bearer", wsgi_app)
    case = schema["/items/"]["POST"].Case(
        headers={"Authorization": f"Bearer {read_only_key}"}, body={"name": "x", "price": 1}
    )
    response = case.call()
    assert response.status_code == 403
    case.validate_response(response, checks=CHECKS)
