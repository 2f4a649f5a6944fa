"""Refusals an anonymous caller can repeat at will are one log line each, not a traceback each."""

from __future__ import annotations

import logging
from http import HTTPStatus

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/items/", "/mcp", "/"])
def test_a_host_not_allowed_is_one_line_without_a_traceback(client, settings, caplog, path):
    settings.ALLOWED_HOSTS = ["api.example.com"]
    with caplog.at_level(logging.INFO):
        response = client.get(path, HTTP_HOST="evil.example")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    (line,) = [record for record in caplog.records if record.name == "django.security.DisallowedHost"]
    assert "evil.example" in line.getMessage()
    assert line.exc_info is None and not line.exc_text
