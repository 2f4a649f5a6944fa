"""The authorization-code flow as a GPT runs it: requests-oauthlib against live_server, a browser stand-in."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta
from http import HTTPStatus

import pytest
import requests
from django.contrib.auth.hashers import identify_hasher
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, Grant, RefreshToken
from oauthlib.oauth2 import InvalidGrantError

from tests.factories import make_gpt_client, make_item
from tests.helpers.oauth import GPT_CALLBACK, forms_of, query_of

TOKEN_FIELDS = {"access_token", "token_type", "expires_in", "refresh_token", "scope"}


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def exchange(gpt, code: str, *, method: str = "basic", **extra: str) -> requests.Response:
    """The token request ChatGPT sends, with either Token Exchange Method."""
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": GPT_CALLBACK, **extra}
    if method == "basic":
        return requests.post(gpt.token_url, data=data, auth=(gpt.client_id, gpt.client_secret), timeout=10)
    data |= {"client_id": gpt.client_id, "client_secret": gpt.client_secret}
    return requests.post(gpt.token_url, data=data, timeout=10)


def items(gpt, access_token: str, method: str = "GET", **kwargs: object) -> requests.Response:
    return requests.request(
        method, f"{gpt.base_url}/items/", headers={"Authorization": f"Bearer {access_token}"}, timeout=10, **kwargs
    )


class AuthorizationCodeFlowTests:
    @pytest.mark.parametrize("method", ["basic", "post"])
    def test_whole_flow_with_each_token_exchange_method(self, gpt, alice, browser, method, settings):
        make_item(alice, name="Alice's item")
        oauth = gpt.session(scope=["items:read", "items:write"])
        authorization_url, state = oauth.authorization_url(gpt.authorization_url)

        callback = browser.authorize(authorization_url)

        assert callback.startswith(GPT_CALLBACK + "?")
        assert query_of(callback)["state"] == state
        assert query_of(callback)["iss"] == gpt.base_url  # RFC 9207
        token = oauth.fetch_token(
            gpt.token_url,
            authorization_response=callback,
            client_secret=gpt.client_secret,
            include_client_id=True if method == "post" else None,
        )
        assert set(token) - {"expires_at"} == TOKEN_FIELDS
        assert token["token_type"] == "Bearer"
        assert token["expires_in"] == 3600
        assert token["scope"] == ["items:read", "items:write"]

        response = oauth.get(f"{gpt.base_url}/items/")
        assert response.status_code == HTTPStatus.OK
        assert [item["name"] for item in response.json()["results"]] == ["Alice's item"]

        old_refresh_token = token["refresh_token"]
        auth = (gpt.client_id, gpt.client_secret)
        refreshed = oauth.refresh_token(gpt.token_url, refresh_token=old_refresh_token, auth=auth)
        assert refreshed["refresh_token"] != old_refresh_token  # rotated
        assert refreshed["access_token"] != token["access_token"]
        assert items(gpt, token["access_token"]).status_code == HTTPStatus.UNAUTHORIZED
        assert items(gpt, refreshed["access_token"]).status_code == HTTPStatus.OK

        # The retry window is over (test_races.py covers it).
        settings.OAUTH_CONSENT = {**settings.OAUTH_CONSENT, "OAUTH_REFRESH_GRACE_SECONDS": 0}
        with pytest.raises(InvalidGrantError):
            oauth.refresh_token(gpt.token_url, refresh_token=old_refresh_token, auth=auth)
        # Reuse protection: replaying the old refresh token revoked the family, the new pair included.
        assert items(gpt, refreshed["access_token"]).status_code == HTTPStatus.UNAUTHORIZED
        with pytest.raises(InvalidGrantError):
            oauth.refresh_token(gpt.token_url, refresh_token=refreshed["refresh_token"], auth=auth)

    def test_revoked_token_is_refused(self, gpt, alice, browser):
        oauth = gpt.session()
        authorization_url, _ = oauth.authorization_url(gpt.authorization_url)
        token = oauth.fetch_token(
            gpt.token_url, authorization_response=browser.authorize(authorization_url), client_secret=gpt.client_secret
        )
        revoke = requests.post(
            f"{gpt.base_url}/oauth/revoke_token/",
            data={"token": token["access_token"], "token_type_hint": "access_token"},
            auth=(gpt.client_id, gpt.client_secret),
            timeout=10,
        )
        assert revoke.status_code == HTTPStatus.OK

        response = items(gpt, token["access_token"])
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
        # Revoking the access token revoked its refresh token too.
        with pytest.raises(InvalidGrantError):
            oauth.refresh_token(
                gpt.token_url, refresh_token=token["refresh_token"], auth=(gpt.client_id, gpt.client_secret)
            )

    def test_code_works_once(self, gpt, alice, browser):
        code = query_of(browser.authorize(gpt.session().authorization_url(gpt.authorization_url)[0]))["code"]
        assert exchange(gpt, code).status_code == HTTPStatus.OK
        again = exchange(gpt, code)
        assert again.status_code == HTTPStatus.BAD_REQUEST
        assert again.json()["error"] == "invalid_grant"

    def test_code_lives_sixty_seconds(self, gpt, alice, browser):
        code = query_of(browser.authorize(gpt.session().authorization_url(gpt.authorization_url)[0]))["code"]
        grant = Grant.objects.get()
        assert timedelta(seconds=58) <= grant.expires - timezone.now() <= timedelta(seconds=60)
        grant.expires = timezone.now() - timedelta(seconds=1)
        grant.save()
        response = exchange(gpt, code)
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json()["error"] == "invalid_grant"

    def test_wrong_client_secret_is_refused(self, gpt, alice, browser):
        code = query_of(browser.authorize(gpt.session().authorization_url(gpt.authorization_url)[0]))["code"]
        gpt.client_secret = "not-the-secret"
        for method in ("basic", "post"):
            response = exchange(gpt, code, method=method)
            assert response.status_code == HTTPStatus.UNAUTHORIZED
            assert response.json()["error"] == "invalid_client"

    def test_unregistered_redirect_uri_is_never_redirected_to(self, gpt, alice, browser):
        browser.sign_in("alice")
        oauth = gpt.session()
        oauth.redirect_uri = "https://evil.example/callback"
        response = browser.get(oauth.authorization_url(gpt.authorization_url)[0])
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "Location" not in response.headers
        assert "evil.example" not in response.text
        assert "This sign-in link does not work" in response.text

    def test_deny_returns_access_denied_with_state_and_iss(self, gpt, alice, browser):
        authorization_url, state = gpt.session().authorization_url(gpt.authorization_url)
        callback = browser.authorize(authorization_url, allow=False)
        assert callback.startswith(GPT_CALLBACK + "?")
        assert query_of(callback)["error"] == "access_denied"
        assert query_of(callback)["state"] == state
        assert query_of(callback)["iss"] == gpt.base_url  # RFC 9207, as on success
        assert callback.count("iss=") == 1
        assert not Grant.objects.exists()

    def test_empty_scope_gets_the_default_scopes(self, gpt, alice, browser):
        # What ChatGPT sends when the builder leaves the Scope field blank.
        authorization_url = (
            f"{gpt.authorization_url}?response_type=code&client_id={gpt.client_id}"
            f"&redirect_uri={GPT_CALLBACK}&state=xyz&scope="
        )
        callback = browser.authorize(authorization_url)
        response = exchange(gpt, query_of(callback)["code"], method="post")
        assert response.status_code == HTTPStatus.OK
        assert response.json()["scope"] == "items:read items:write"

    def test_read_only_token_cannot_write(self, gpt, alice, browser):
        oauth = gpt.session(scope=["items:read"])
        callback = browser.authorize(oauth.authorization_url(gpt.authorization_url)[0])
        token = oauth.fetch_token(gpt.token_url, authorization_response=callback, client_secret=gpt.client_secret)
        assert token["scope"] == ["items:read"]
        assert oauth.get(f"{gpt.base_url}/items/").status_code == HTTPStatus.OK
        response = oauth.post(f"{gpt.base_url}/items/", json={"name": "x", "price": 1})
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json() == {"detail": "This credential lacks the items:write scope."}

    def test_expired_token_returns_401_invalid_token(self, gpt, alice, browser):
        oauth = gpt.session()
        callback = browser.authorize(oauth.authorization_url(gpt.authorization_url)[0])
        token = oauth.fetch_token(gpt.token_url, authorization_response=callback, client_secret=gpt.client_secret)
        AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
        response = items(gpt, token["access_token"])
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
        # ChatGPT then refreshes, and carries on.
        refreshed = oauth.refresh_token(gpt.token_url, auth=(gpt.client_id, gpt.client_secret))
        assert items(gpt, refreshed["access_token"]).status_code == HTTPStatus.OK

    def test_returning_user_is_not_asked_again_for_the_same_scopes(self, gpt, alice, browser):
        oauth = gpt.session()
        oauth.fetch_token(
            gpt.token_url,
            authorization_response=browser.authorize(oauth.authorization_url(gpt.authorization_url)[0]),
            client_secret=gpt.client_secret,
        )
        authorization_url, state = gpt.session().authorization_url(gpt.authorization_url)
        callback = browser.authorize(authorization_url, allow=None)
        assert query_of(callback)["state"] == state
        assert exchange(gpt, query_of(callback)["code"]).status_code == HTTPStatus.OK

    # approval_prompt=auto: finding 8, the request could skip the consent the setting asks for.
    @pytest.mark.parametrize("asked", [{}, {"approval_prompt": "auto"}], ids=["plain", "approval_prompt=auto"])
    def test_returning_user_is_asked_again_when_the_setting_says_so(self, gpt, alice, browser, settings, asked):
        settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "REQUEST_APPROVAL_PROMPT": "force"}
        # Returning means holding a token: without one the consent page comes whatever the setting says.
        oauth = gpt.session()
        oauth.fetch_token(
            gpt.token_url,
            authorization_response=browser.authorize(oauth.authorization_url(gpt.authorization_url)[0]),
            client_secret=gpt.client_secret,
        )
        response = browser.get(gpt.session().authorization_url(gpt.authorization_url, **asked)[0])
        assert response.status_code == HTTPStatus.OK  # the consent page, no redirect with a code
        assert "allow" in forms_of(response.text)[-1]["buttons"]


class PkceTests:
    def authorize(self, gpt, browser, **params: str) -> str:
        authorization_url, _ = gpt.session().authorization_url(gpt.authorization_url, **params)
        return browser.authorize(authorization_url)

    def test_right_verifier_is_accepted(self, gpt, alice, browser):
        verifier = secrets.token_urlsafe(48)
        callback = self.authorize(gpt, browser, code_challenge=s256(verifier), code_challenge_method="S256")
        assert exchange(gpt, query_of(callback)["code"], code_verifier=verifier).status_code == HTTPStatus.OK

    @pytest.mark.parametrize("verifier", ["wrong-" + "x" * 43, None], ids=["wrong", "missing"])
    def test_sent_challenge_is_enforced(self, gpt, alice, browser, verifier):
        challenge = s256(secrets.token_urlsafe(48))
        callback = self.authorize(gpt, browser, code_challenge=challenge, code_challenge_method="S256")
        extra = {"code_verifier": verifier} if verifier else {}
        response = exchange(gpt, query_of(callback)["code"], **extra)
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json()["error"] in {"invalid_grant", "invalid_request"}
        assert not AccessToken.objects.exists()

    @pytest.mark.parametrize("method", [{"code_challenge_method": "plain"}, {}], ids=["plain", "no-method"])
    def test_only_s256_is_accepted(self, gpt, alice, browser, method):
        browser.sign_in("alice")
        authorization_url, state = gpt.session().authorization_url(
            gpt.authorization_url, code_challenge="a" * 43, **method
        )
        response = browser.get(authorization_url)
        # Refused before the consent page, back to the GPT with the error.
        assert response.status_code == HTTPStatus.FOUND
        assert query_of(response.headers["Location"])["error"] == "invalid_request"
        assert query_of(response.headers["Location"])["state"] == state

    def test_public_client_must_use_pkce(self, gpt, alice, browser):
        Application.objects.update(client_type=Application.CLIENT_PUBLIC)
        browser.sign_in("alice")
        response = browser.get(gpt.session().authorization_url(gpt.authorization_url)[0])
        assert response.status_code == HTTPStatus.FOUND
        assert query_of(response.headers["Location"])["error"] == "invalid_request"
        assert query_of(response.headers["Location"])["error_description"] == "Code challenge required."

    def test_public_client_with_pkce_gets_a_token_without_secret(self, gpt, alice, browser):
        Application.objects.update(client_type=Application.CLIENT_PUBLIC)
        verifier = secrets.token_urlsafe(48)
        callback = self.authorize(gpt, browser, code_challenge=s256(verifier), code_challenge_method="S256")
        data = {
            "grant_type": "authorization_code",
            "code": query_of(callback)["code"],
            "redirect_uri": GPT_CALLBACK,
            "client_id": gpt.client_id,
            "code_verifier": verifier,
        }
        assert requests.post(gpt.token_url, data=data, timeout=10).status_code == HTTPStatus.OK


class StorageTests:
    def test_tokens_and_secret_are_stored_hashed_and_still_work(self, gpt, alice, browser):
        oauth = gpt.session()
        callback = browser.authorize(oauth.authorization_url(gpt.authorization_url)[0])
        token = oauth.fetch_token(gpt.token_url, authorization_response=callback, client_secret=gpt.client_secret)
        access, refresh = AccessToken.objects.get(), RefreshToken.objects.get()
        assert access.token == "" and refresh.token == ""
        assert access.token_checksum == hashlib.sha256(token["access_token"].encode()).hexdigest()
        application = Application.objects.get()
        assert identify_hasher(application.client_secret)
        assert gpt.client_secret not in application.client_secret
        assert oauth.get(f"{gpt.base_url}/items/").status_code == HTTPStatus.OK

    def test_introspection_tells_a_client_only_about_its_own_tokens(self, gpt, alice, browser):
        oauth = gpt.session()
        callback = browser.authorize(oauth.authorization_url(gpt.authorization_url)[0])
        token = oauth.fetch_token(gpt.token_url, authorization_response=callback, client_secret=gpt.client_secret)
        other, other_secret = make_gpt_client("Other GPT", callback_urls=(GPT_CALLBACK,))

        def introspect(client_id: str, secret: str) -> dict:
            response = requests.post(
                f"{gpt.base_url}/oauth/introspect/",
                data={"token": token["access_token"]},
                auth=(client_id, secret),
                timeout=10,
            )
            assert response.status_code == HTTPStatus.OK
            return response.json()

        own = introspect(gpt.client_id, gpt.client_secret)
        assert own["active"] is True
        assert own["scope"] == "items:read items:write"
        assert own["username"] == "alice"
        assert introspect(other.client_id, other_secret) == {"active": False}
        anonymous = requests.post(
            f"{gpt.base_url}/oauth/introspect/", data={"token": token["access_token"]}, timeout=10
        )
        assert anonymous.status_code in {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}

    def test_introspection_refuses_get(self, gpt):
        response = requests.get(
            f"{gpt.base_url}/oauth/introspect/?token=x", auth=(gpt.client_id, gpt.client_secret), timeout=10
        )
        assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
