"""What a registered viewset mixes in to speak as a GPT Action: the enabled auth styles, their challenge, the JSON.

A shop writes its own DRF viewset and lists this mixin first among its bases::

    class NoteViewSet(ActionViewSetMixin, viewsets.ModelViewSet):
        permission_classes = [IsAuthenticated, HasActionScope]
        ...

Nothing here decides what the view does: its queryset, serializer, permissions, pagination and filters are the
shop's. Attributes the view sets itself (authentication_classes aside) win over these defaults.
"""

from __future__ import annotations

from rest_framework.authentication import BaseAuthentication
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from gptactions.auth_styles import authenticate_header, enabled_authenticators, refused_token_failure
from gptactions.renderers import FastJSONRenderer
from gptactions.throttling import UserRateLimit


class ActionViewSetMixin:
    """The GPT editor's auth styles (API_AUTH_STYLES, in order), one rate limit per user, JSON written by orjson."""

    throttle_classes = [UserRateLimit]
    renderer_classes = [FastJSONRenderer]

    def get_authenticators(self) -> list[BaseAuthentication]:
        return enabled_authenticators()

    def get_authenticate_header(self, request: Request) -> str | None:
        return authenticate_header(request)

    def permission_denied(self, request: Request, message: str | None = None, code: str | None = None) -> None:
        failure = refused_token_failure(request)
        if failure is not None:
            raise failure
        super().permission_denied(request, message=message, code=code)  # type: ignore[misc]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        # With one renderer, nearly every call says Accept */* or application/json (or nothing): those need no
        # Accept parsing (saves ~60,000 of ~2.6 M instructions per GET, 2.4%, counted with bench/instructions.sh).
        # Anything else (a format, parameters, text/html) gets DRF's own answer, 406 included;
        # tests/items/test_hot_path.py holds the two equal.
        accept = request.META.get("HTTP_ACCEPT", "*/*")
        renderers = self.get_renderers()
        if (
            len(renderers) == 1
            and accept in ("*/*", renderers[0].media_type)
            and self.format_kwarg is None
            and "format" not in request.GET
        ):
            return renderers[0], renderers[0].media_type
        return super().perform_content_negotiation(request, force)
