from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from gptsetup.models import PrivacyPolicy
from gptsetup.services import default_privacy_text
from items.conf import conf
from items.schema import SCHEME_NAMES


class ActionSchemaView(SpectacularAPIView):
    """The schema for the GPT editor: `?auth=basic|bearer|custom|oauth` keeps that one auth style."""

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        auth = request.query_params.get("auth")
        if auth is not None and (auth not in SCHEME_NAMES or auth not in conf.API_AUTH_STYLES):
            enabled = ", ".join(style for style in conf.API_AUTH_STYLES if style in SCHEME_NAMES)
            raise ValidationError(
                {"auth": [_("Use one of the enabled auth styles: %(styles)s.") % {"styles": enabled}]}
            )
        return super().get(request, *args, **kwargs)


def privacy_policy(request: HttpRequest) -> HttpResponse:
    policy = PrivacyPolicy.objects.first()
    context = {
        "text": policy.text if policy else default_privacy_text(),
        "updated_at": policy.updated_at if policy else None,
    }
    return render(request, "gptsetup/privacy.html", context)
