from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from oauthconsent.callback_urls import callback_urls_clean

GPT_ID = "g-A1b2C3d4E"


class CallbackUrlTests:
    @pytest.mark.parametrize("host", ["chatgpt.com", "chat.openai.com"])
    def test_one_gpt_callback_registers_both_hosts(self, host):
        assert callback_urls_clean([f"https://{host}/aip/{GPT_ID}/oauth/callback"]) == [
            f"https://chatgpt.com/aip/{GPT_ID}/oauth/callback",
            f"https://chat.openai.com/aip/{GPT_ID}/oauth/callback",
        ]

    @pytest.mark.parametrize("host", ["claude.ai", "claude.com"])
    def test_a_claude_callback_registers_both_of_claudes_hosts(self, host):
        assert callback_urls_clean([f"https://{host}/api/mcp/auth_callback"]) == [
            "https://claude.ai/api/mcp/auth_callback",
            "https://claude.com/api/mcp/auth_callback",
        ]

    def test_both_hosts_pasted_are_not_duplicated(self):
        urls = [
            f"https://chat.openai.com/aip/{GPT_ID}/oauth/callback",
            f"https://chatgpt.com/aip/{GPT_ID}/oauth/callback",
        ]
        assert len(callback_urls_clean(urls)) == 2

    @pytest.mark.parametrize(
        "url",
        [
            "https://example.com/oauth/callback",
            "https://chatgpt.com/connector_platform_oauth_redirect",
            "http://localhost:8000/callback",
            "http://127.0.0.1/callback",
            "https://example.com/cb?tenant=1",
            f"https://chatgpt.com/aip/{GPT_ID}/oauth/callback?x=1",  # not the GPT form: registered as it is
        ],
    )
    def test_other_https_and_loopback_http_urls_are_kept_as_they_are(self, url):
        assert callback_urls_clean([url]) == [url]

    @pytest.mark.parametrize(
        ("url", "message"),
        [
            ("http://example.com/callback", "uses http. Callback URLs must use https"),
            ("http://192.168.1.5/callback", "http is accepted only for localhost and 127.0.0.1"),
            ("ftp://example.com/callback", "is not a web address"),
            ("chatgpt.com/aip/g-1/oauth/callback", "is not a URL"),
            ("https://", "is not a URL"),
            ("https://example.com/cb#frag", "contains a fragment"),
            ("https://user:pw@example.com/cb", "contains a user name or password"),
            ("https://*.example.com/cb", "contains a wildcard"),
            (f"https://chatgpt.com/gpts/editor/{GPT_ID}", "is the address of the GPT editor"),
            ("https://example.com:99999/cb", "is not a URL"),
            ("https://chatgpt.com/connector/oauth/../x", "contains a . or .. segment"),
        ],
    )
    def test_refused_urls_get_a_clear_message(self, url, message):
        with pytest.raises(ValidationError) as raised:
            callback_urls_clean([url])
        assert message in raised.value.messages[0]
        assert url in raised.value.messages[0]

    def test_every_refused_url_is_reported(self):
        with pytest.raises(ValidationError) as raised:
            callback_urls_clean(["http://a.example/cb", "https://ok.example/cb", "ftp://b.example/cb"])
        assert len(raised.value.messages) == 2
