from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_deny
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView
from oauth2_provider.models import get_access_token_model, get_application_model
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.signals import app_authorized
from oauth2_provider.views import AuthorizationView, IntrospectTokenView, OAuthServerMetadataView, TokenView

from oauthconsent.oauth import authenticated_client
from oauthconsent.selectors import gpt_client_for_next, oauth_connections
from oauthconsent.services import oauth_connection_revoke

# No script at all, styles only from our own static files, and no framing (clickjacking on Allow).
# form-action stays open: after Allow the browser follows a redirect to the GPT's callback host.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def refuse_framing(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """X-Frame-Options DENY plus CSP frame-ancestors 'none' (and no script) on a page people act on."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

    return xframe_options_deny(never_cache(wrapped))


def _safe_next(request: HttpRequest, next_url: str | None) -> str | None:
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return None


@refuse_framing
def signin_locked_out(request: HttpRequest, original_response: HttpResponse, credentials: Any) -> HttpResponse:
    """What django-axes answers on a locked-out sign-in (AXES_LOCKOUT_CALLABLE), on both sign-in pages.

    The same page whether the username exists or not, and nothing about the account in it.
    """
    cool_off = get_cool_off(request) or timedelta(0)
    seconds = max(1, int(cool_off.total_seconds()))
    context = {"lockout_minutes": math.ceil(seconds / 60)}
    response = render(request, "oauthconsent/locked_out.html", context, status=HTTPStatus.TOO_MANY_REQUESTS)
    response["Retry-After"] = str(seconds)
    return response


@method_decorator(refuse_framing, name="dispatch")
class SignInView(LoginView):
    template_name = "oauthconsent/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        next_url = _safe_next(self.request, self.get_redirect_url() or self.request.GET.get("next"))
        context["client"] = gpt_client_for_next(next_url) if next_url else None
        return context


@method_decorator(refuse_framing, name="dispatch")
class SwitchAccountView(View):
    """Sign out, then sign in again and carry on where the user was (the consent page)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        logout(request)
        login_url = resolve_url("oauthconsent:login")
        next_url = _safe_next(request, request.POST.get("next"))
        if next_url:
            login_url += "?" + urlencode({"next": next_url})
        return HttpResponseRedirect(login_url, status=HTTPStatus.SEE_OTHER)


@method_decorator(refuse_framing, name="dispatch")
class ConnectedGptsView(LoginRequiredMixin, TemplateView):
    template_name = "oauthconsent/connected.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(connections=oauth_connections(user=self.request.user), **kwargs)


@method_decorator(refuse_framing, name="dispatch")
class DisconnectGptView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        application = get_object_or_404(get_application_model(), pk=pk)
        oauth_connection_revoke(user=request.user, application=application)
        messages.success(
            request, _("%(name)s is disconnected. It can no longer use your account.") % {"name": application.name}
        )
        return HttpResponseRedirect(reverse("oauthconsent:connected"), status=HTTPStatus.SEE_OTHER)


class ConsentView(AuthorizationView):
    """DOT's authorization view, where the server decides whether a returning user is asked again, and
    whose error redirects (a Deny) carry RFC 9207's `iss` as its successes do.

    DOT lets the request's `approval_prompt=auto` skip the consent page even when
    OAUTH_REMEMBER_CONSENT=0 set "force"; a client may ask for more consent, never for less.
    """

    def redirect(self, redirect_to: str, application: Any) -> HttpResponse:
        query = urlsplit(redirect_to).query
        if oauth2_settings.COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS and "iss" not in dict(parse_qsl(query)):
            issuer = oauth2_settings.oauth2_authorization_server_issuer(self.request)
            redirect_to += ("&" if query else "?") + urlencode({"iss": issuer})
        return super().redirect(redirect_to, application)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if oauth2_settings.REQUEST_APPROVAL_PROMPT == "force" and "approval_prompt" in request.GET:
            request.GET = request.GET.copy()
            del request.GET["approval_prompt"]
        return super().get(request, *args, **kwargs)


class GptTokenView(TokenView):
    """DOT's token endpoint, answering a token that a concurrent replay of its code already revoked.

    A copy of DOT's authorization_flow_token_response that must stay: DOT loads the new access token
    again for its app_authorized signal, and a 500 came out when a replay of the same code (RFC 9700
    section 4.5) had revoked it in between. The client still gets what was issued, dead as it is.
    """

    @method_decorator(sensitive_post_parameters("password", "client_secret"))
    def authorization_flow_token_response(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _url, headers, body, status = self.create_token_response(request)
        if status == HTTPStatus.OK:
            checksum = hashlib.sha256(json.loads(body)["access_token"].encode()).hexdigest()
            token = get_access_token_model().objects.filter(token_checksum=checksum).first()
            if token is not None:
                app_authorized.send(sender=self, request=request, token=token)
        response = HttpResponse(content=body, status=status)
        for name, value in headers.items():
            response[name] = value
        return response


class OwnTokensIntrospectView(IntrospectTokenView):
    """RFC 7662 introspection, but a client learns only about its own tokens (others read as inactive)."""

    # RFC 7662 uses POST: a token in a query string would end up in logs.
    http_method_names = ["post", "options"]
    client = None

    def authenticate_client(self, request: HttpRequest) -> bool:
        self.client = authenticated_client(self.get_oauthlib_core(), request)
        return self.client is not None

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        if self.client is None:  # a resource server's token with the introspection scope
            return response
        answer = json.loads(response.content)
        if answer.get("active") and answer.get("client_id") != self.client.client_id:
            return JsonResponse({"active": False})
        return response


class ServerMetadataView(OAuthServerMetadataView):
    """DOT's RFC 8414 metadata, which says that public clients (PKCE, no secret) may use the token and
    revocation endpoints with `none`; introspection still needs a client secret."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        metadata = json.loads(response.content)
        for key in ("token_endpoint_auth_methods_supported", "revocation_endpoint_auth_methods_supported"):
            if key in metadata:
                metadata[key] = [*metadata[key], "none"]
        response.content = json.dumps(metadata)
        return response
