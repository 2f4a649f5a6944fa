"""`search` and `fetch`: the shape ChatGPT's deep research and company knowledge call, over the registered resources.

A resource takes part when its registration exposes `list` and `retrieve` and its model has a text field (a
CharField or TextField): the first CharField is a document's title, its TextFields (else its CharFields) its
text. A result's id is "<prefix>:<pk>" (`items:12`), its url a read-only page of this server
(`gptmcp.views.document_page`) that the signed-in owner can open; ChatGPT cites that url.

Searching runs the list view's own checks and queryset (authentication as the door's user, permissions with
the action's scope, throttles, the ownership filter), then narrows it by the query; fetching runs the retrieve
view as the retrieve tool does. Nothing is read that the REST list or retrieve would not answer.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.wsgi import WSGIRequest
from django.db import models
from django.db.models import Q
from django.urls import reverse
from rest_framework.exceptions import APIException

from gptactions.permissions import credential_allows
from gptactions.public_url import public_base_url
from gptactions.registry import ActionSpec, Resource, site
from gptmcp import schemas
from gptmcp.tools import Tool, ToolFailure, _view_request, run_tool, tools

SEARCH_LIMIT = 20  # results per resource
ID_SEPARATOR = ":"


@dataclass(frozen=True)
class DocumentFields:
    title: str
    text: tuple[str, ...]


def document_fields(resource: Resource) -> DocumentFields | None:
    """The title and text fields of the resource's model, or None when it has no text to search."""
    try:
        model = resource.model
    except ImproperlyConfigured:  # a registration whose viewset names no model: nothing to search
        return None
    char = [f.name for f in model._meta.concrete_fields if isinstance(f, models.CharField) and not f.choices]
    text = [f.name for f in model._meta.concrete_fields if isinstance(f, models.TextField)]
    if not char and not text:
        return None
    title = (char or text)[0]
    body = tuple(name for name in (text or char) if name != title) or (title,)
    return DocumentFields(title=title, text=body)


def searchable_resources() -> list[Resource]:
    return [
        resource
        for resource in site.resources()
        if {"list", "retrieve"} <= set(resource.actions) and document_fields(resource) is not None
    ]


def document_url(resource: Resource, pk: Any, base: Mapping[str, Any]) -> str:
    """The page's absolute URL, on the public base URL of the door's request (base: its environ)."""
    path = reverse("gptmcp:document", kwargs={"prefix": resource.prefix, "pk": str(pk)})
    request = WSGIRequest({**base, "REQUEST_METHOD": "GET", "PATH_INFO": path, "wsgi.input": io.BytesIO()})
    return public_base_url(request) + path


def _list_queryset(spec: ActionSpec, user: Any, credential: Any, base: Mapping[str, Any]) -> models.QuerySet:
    """The queryset the list view answers for this user: its authentication, permissions, throttles, filters."""
    request, _kwargs = _view_request(spec, {}, base)
    request._force_auth_user = user
    request._force_auth_token = credential
    view = spec.resource.viewset(action_map={"get": "list"}, detail=False, basename=spec.resource.basename)
    view.action = "list"
    view.args, view.kwargs, view.headers, view.format_kwarg = (), {}, {}, None
    view.request = view.initialize_request(request)
    view.initial(view.request)
    return view.filter_queryset(view.get_queryset())


def search(query: str, user: Any, credential: Any, base: Mapping[str, Any], allowed: Any) -> dict[str, Any]:
    words = str(query or "").split()
    results: list[dict[str, str]] = []
    for resource in searchable_resources():
        if not allowed(resource.read_scope):
            continue
        fields = document_fields(resource)
        assert fields is not None
        try:
            queryset = _list_queryset(resource.spec("list"), user, credential, base)
        except APIException:
            continue  # the view refuses this caller (a throttle, a permission): nothing from it
        for word in words:
            matches = Q()
            for name in (fields.title, *fields.text):
                matches |= Q(**{f"{name}__icontains": word})
            queryset = queryset.filter(matches)
        for obj in queryset[:SEARCH_LIMIT]:
            results.append(
                {
                    "id": f"{resource.prefix}{ID_SEPARATOR}{obj.pk}",
                    "title": str(getattr(obj, fields.title) or obj),
                    "url": document_url(resource, obj.pk, base),
                }
            )
    return {"results": results}


def fetch_document(document_id: str, user: Any, credential: Any, base: Mapping[str, Any], allowed: Any) -> dict:
    prefix, _, pk = str(document_id or "").partition(ID_SEPARATOR)
    resource = next((r for r in searchable_resources() if r.prefix == prefix), None)
    if resource is None or not pk:
        raise ToolFailure('No document has this id. Ids come from search, like "items:12".')
    if not allowed(resource.read_scope):
        raise ToolFailure(f"This credential lacks the {resource.read_scope} scope.")
    spec = resource.spec("retrieve")
    (parameter,) = schemas.path_parameters(spec.operation_id)
    data = run_tool(Tool(spec), user, credential, {parameter: pk}, base)
    return document_of(resource, data, base)


def document_of(resource: Resource, data: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any]:
    """The fetch answer for one serialized object: id, title, text, url, metadata (the other fields, as text)."""
    fields = document_fields(resource)
    assert fields is not None
    pk = data.get("id", data.get("pk"))
    text = "\n\n".join(str(data[name]) for name in fields.text if data.get(name) not in (None, ""))
    metadata = {
        name: value if isinstance(value, str) else json.dumps(value)
        for name, value in data.items()
        if name not in (fields.title, *fields.text) and value is not None
    }
    return {
        "id": f"{resource.prefix}{ID_SEPARATOR}{pk}",
        "title": str(data.get(fields.title) or ""),
        "text": text,
        "url": document_url(resource, pk, base),
        "metadata": {"resource": resource.prefix, **metadata},
    }


SEARCH_DESCRIPTION = (
    "Search the signed-in user's {what} for the words of `query` (each must appear; case does not matter). "
    "Returns results with an id, a title and a url; pass an id to `fetch` for the whole document."
)
FETCH_DESCRIPTION = (
    'Fetch one document by the id `search` returned (like "{example}"): its title, text, url and metadata.'
)


@dataclass(frozen=True)
class DocumentTool:
    """`search` or `fetch`: read-only, idempotent, closed-world; allowed with any searchable resource's read scope."""

    name: str

    @property
    def title(self) -> str:
        return "Search documents" if self.name == "search" else "Fetch a document"

    @property
    def scope(self) -> str:
        resources = searchable_resources()
        return resources[0].read_scope if resources else ""

    def missing_scope(self, allowed: Callable[[str], bool]) -> str | None:
        scopes = [resource.read_scope for resource in searchable_resources()]
        return None if any(allowed(scope) for scope in scopes) else self.scope

    def annotations(self) -> types.ToolAnnotations:
        return types.ToolAnnotations(
            title=self.title,
            read_only_hint=True,
            destructive_hint=False,
            idempotent_hint=True,
            open_world_hint=False,
        )

    def definition(self) -> types.Tool:
        resources = searchable_resources()
        what = " and ".join(str(resource.plural) for resource in resources)
        if self.name == "search":
            description = SEARCH_DESCRIPTION.format(what=what)
            properties = {"query": {"type": "string", "description": "The words to look for."}}
            required = ["query"]
            output = {
                "type": "object",
                "properties": {
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {k: {"type": "string"} for k in ("id", "title", "url")},
                            "required": ["id", "title", "url"],
                        },
                    }
                },
                "required": ["results"],
            }
        else:
            example = f"{resources[0].prefix}{ID_SEPARATOR}12" if resources else "items:12"
            description = FETCH_DESCRIPTION.format(example=example)
            properties = {"id": {"type": "string", "description": "A document id from search."}}
            required = ["id"]
            output = {
                "type": "object",
                "properties": {
                    **{k: {"type": "string"} for k in ("id", "title", "text", "url")},
                    "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
                },
                "required": ["id", "title", "text", "url", "metadata"],
            }
        return types.Tool(
            name=self.name,
            title=self.title,
            description=description,
            input_schema={
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            },
            output_schema=output,
            annotations=self.annotations(),
        )

    def unknown_arguments(self, arguments: Mapping[str, Any]) -> list[str]:
        allowed = {"query"} if self.name == "search" else {"id"}
        return sorted(name for name in arguments if name not in allowed)

    def run(self, user: Any, credential: Any, arguments: Mapping[str, Any], base: Mapping[str, Any]) -> Any:
        def allowed(scope: str) -> bool:
            return credential_allows(credential, scope)

        if self.name == "search":
            return search(arguments.get("query", ""), user, credential, base, allowed)
        return fetch_document(arguments.get("id", ""), user, credential, base, allowed)


def document_tools() -> dict[str, DocumentTool]:
    return {name: DocumentTool(name) for name in ("search", "fetch")} if searchable_resources() else {}


def all_tools() -> dict[str, Tool | DocumentTool]:
    """Every MCP tool: one per exposed action, then `search` and `fetch` (a registered action's name wins)."""
    actions = tools()
    return {**actions, **{name: tool for name, tool in document_tools().items() if name not in actions}}


def tool_definitions() -> list[types.Tool]:
    return [tool.definition() for tool in all_tools().values()]


def tool_input_schema(name: str) -> dict[str, Any] | None:
    """The inputSchema tools/list gives the tool, or None for no such tool.

    The SDK's 2026-07-28 transport checks a tools/call's Mcp-Param-* headers against it; without this
    lookup it lists every tool (the whole tools/list handler) on each call with arguments to find one.
    """
    tool = all_tools().get(name)
    return tool.definition().input_schema if tool is not None else None
