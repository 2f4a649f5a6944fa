"""A Content-Security-Policy on every HTML page the project serves (issue 21, finding 8)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

# Scripts, styles, fonts and images from this server only; no inline script or style, no plugins, no <base>, no
# framing (as X-Frame-Options DENY) and forms that post here only. Django 5.2's admin runs on it: its templates
# carry no inline script, no style attribute and no event handler (only CSSOM writes from its own files, which
# style-src does not govern). A view that sends its own policy keeps it (the sign-in and consent pages' stricter
# one, oauthconsent.views.CONTENT_SECURITY_POLICY; Redoc's, gptsetup.views.REDOC_CONTENT_SECURITY_POLICY).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class ContentSecurityPolicyMiddleware:
    """Sets CONTENT_SECURITY_POLICY on text/html responses that set no policy of their own.

    Error pages included: Django's handler404/500 answers pass through middleware like any view's.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
