"""Fixtures for the OAuth flow as ChatGPT and a person's browser run it, over real HTTP against live_server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.utils import translation

from tests.factories import make_gpt_client, make_user
from tests.helpers.oauth import GPT_CALLBACK, Gpt, UserAgent


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    # LocaleMiddleware activates the request's language on this thread and leaves it there:
    # a Chinese page test must not turn the next test's messages Chinese.
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def insecure_transport(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # oauthlib refuses http token URLs; live_server speaks plain http on localhost.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    yield


@pytest.fixture
def alice(transactional_db: None):
    return make_user("alice")


@pytest.fixture
def gpt(live_server, transactional_db: None, insecure_transport: None) -> Gpt:
    application, secret = make_gpt_client(callback_urls=(GPT_CALLBACK,))
    return Gpt(client_id=application.client_id, client_secret=secret, base_url=live_server.url)


@pytest.fixture
def browser(live_server) -> UserAgent:
    return UserAgent(live_server.url)
