from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from gptactions.auth_styles import enabled_auth_style, enabled_auth_styles
from gptactions.registry import site
from gptsetup.models import PrivacyPolicy
from gptsetup.presentation import default_privacy_text, policy_blocks
from gptsetup.selectors import setup_state


class ActionSchemaView(SpectacularAPIView):
    """The schema for the GPT editor: `?auth=basic|bearer|custom|oauth` keeps that one auth style."""

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        auth = request.query_params.get("auth")
        if auth is not None and enabled_auth_style(auth) is None:
            styles = ", ".join(style.name for style in enabled_auth_styles())
            raise ValidationError({"auth": [_("Use one of the enabled auth styles: %(styles)s.") % {"styles": styles}]})
        return super().get(request, *args, **kwargs)


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI whose start-up script is a file (?script) and whose page style is a static file, so the
    project's CSP (gptactions.middleware) needs no inline script or style."""

    template_name = "gptsetup/swagger_ui.html"


# Redoc's own policy: the project's (gptactions.middleware) plus inline styles, which Redoc writes as <style>
# elements (styled-components), and blob: workers (its search index). Its sidebar shows Redocly's logo from
# their CDN, which no option turns off: img-src keeps images on this server, so the browser never asks
# (Redoc then hides the image).
REDOC_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


class RedocView(SpectacularRedocView):
    """Redoc from this project's static files, under REDOC_CONTENT_SECURITY_POLICY."""

    template_name = "gptsetup/redoc.html"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = REDOC_CONTENT_SECURITY_POLICY
        return response


def privacy_policy(request: HttpRequest) -> HttpResponse:
    policy = PrivacyPolicy.objects.first()
    context = {
        "blocks": policy_blocks(policy.text if policy else default_privacy_text()),
        "updated_at": policy.updated_at if policy else None,
    }
    return render(request, "gptsetup/privacy.html", context)


def home(request: HttpRequest) -> HttpResponse:
    """What this server is and where to go; for staff, how far the GPT setup got."""
    state = setup_state(request) if request.user.is_staff else None
    return render(request, "gptsetup/home.html", {"state": state, "resources": site.resources() if state else []})
