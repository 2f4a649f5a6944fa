"""Pages beside /mcp: the read-only page a search or fetch result links to, and OpenAI's domain challenge."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from gptmcp import schemas
from gptmcp.conf import conf
from gptmcp.documents import document_of, searchable_resources
from gptmcp.server import LOCAL_USER
from gptmcp.tools import Tool, ToolFailure, run_tool
from gptmcp.views import _view_environ
from oauthconsent.views import refuse_framing


@require_GET
@login_required
@refuse_framing
def document_page(request: HttpRequest, prefix: str, pk: str) -> HttpResponse:
    """One of the signed-in user's objects, as its retrieve action answers it (someone else's is not found).

    The person at the browser owns the account, so, as at the stdio door, every scope is theirs.
    """
    resource = next((r for r in searchable_resources() if r.prefix == prefix), None)
    if resource is None:
        raise Http404
    spec = resource.spec("retrieve")
    (parameter,) = schemas.path_parameters(spec.operation_id)
    base = _view_environ(request)
    try:
        data = run_tool(Tool(spec), request.user, LOCAL_USER, {parameter: pk}, base)
    except ToolFailure:
        raise Http404 from None
    document = document_of(resource, data, base)
    fields: list[tuple[str, Any]] = sorted(document["metadata"].items())
    context = {"document": document, "fields": fields, "resource_name": str(resource.singular).capitalize()}
    return render(request, "gptmcp/document.html", context)


@require_GET
def openai_apps_challenge(request: HttpRequest) -> HttpResponse:
    """The token OpenAI asks this domain to serve (ChatGPT app submission), as plain text; 404 when unset."""
    if not conf.OPENAI_APPS_CHALLENGE:
        raise Http404
    return HttpResponse(conf.OPENAI_APPS_CHALLENGE, content_type="text/plain; charset=utf-8")
