"""JSON error pages: an API client should never have to parse HTML."""

from __future__ import annotations

from http import HTTPStatus

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import bad_request as html_bad_request
from django.views.defaults import page_not_found
from django.views.defaults import server_error as html_server_error


def _wants_html(request: HttpRequest) -> bool:
    # A browser asks for text/html first; API clients (and curl's */*) get JSON.
    return request.get_preferred_type(["application/json", "text/html"]) == "text/html"


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _wants_html(request):
        return page_not_found(request, exception)
    return JsonResponse({"detail": "Not found."}, status=HTTPStatus.NOT_FOUND)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's own refusals (a form body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields, a bad host)."""
    if isinstance(exception, RequestDataTooBig):
        return JsonResponse({"detail": "The request body is too large."}, status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    if _wants_html(request):
        return html_bad_request(request, exception)
    return JsonResponse({"detail": "Bad request."}, status=HTTPStatus.BAD_REQUEST)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_html(request):
        return html_server_error(request)
    return JsonResponse({"detail": "Server error."}, status=HTTPStatus.INTERNAL_SERVER_ERROR)
