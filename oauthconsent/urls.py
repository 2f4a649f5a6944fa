"""The OAuth endpoints (DOT's views in its namespace), RFC 8414 metadata, and our own pages."""

from __future__ import annotations

from django.urls import include, path
from oauth2_provider import views as oauth2_views

from oauthconsent import views
from oauthconsent.registration import McpClientManagementView, McpClientRegistrationView
from oauthconsent.throttling import throttle_failed_client_auth

# Only the endpoints a GPT uses: DOT's application-management views would let any signed-in
# user register clients, and its device-flow views serve a grant no GPT client is given.
oauth2_provider_patterns = [
    path("oauth/authorize/", views.refuse_framing(views.ConsentView.as_view()), name="authorize"),
    path("oauth/token/", throttle_failed_client_auth(views.GptTokenView.as_view()), name="token"),
    path(
        "oauth/revoke_token/", throttle_failed_client_auth(oauth2_views.RevokeTokenView.as_view()), name="revoke-token"
    ),
    path("oauth/introspect/", throttle_failed_client_auth(views.OwnTokensIntrospectView.as_view()), name="introspect"),
    # RFC 7591 registration for MCP clients (404 unless OAUTH_DYNAMIC_REGISTRATION=1), and RFC 7592's
    # management of a registration with its registration token, updates held to the same rules
    # (DOT's reverse() needs its name).
    path("oauth/register/", McpClientRegistrationView.as_view(), name="dcr-register"),
    path("oauth/register/<str:client_id>/", McpClientManagementView.as_view(), name="dcr-register-management"),
    # RFC 8414 puts the metadata at the origin's root, whatever the endpoints' prefix.
    path(
        ".well-known/oauth-authorization-server",
        views.ServerMetadataView.as_view(),
        name="oauth-server-metadata",
    ),
]

oauthconsent_patterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("switch-account/", views.SwitchAccountView.as_view(), name="switch-account"),
    path("connected/", views.ConnectedGptsView.as_view(), name="connected"),
    path("connected/<int:pk>/disconnect/", views.DisconnectGptView.as_view(), name="disconnect"),
]

# Included at the root, without a namespace of its own: DOT reverses "oauth2_provider:…".
urlpatterns = [
    path("", include((oauth2_provider_patterns, "oauth2_provider"))),
    path("oauth/", include((oauthconsent_patterns, "oauthconsent"))),
]
