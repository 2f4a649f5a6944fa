"""The MCP tools: one per exposed action of every registered resource (gptactions.site), run through its view.

A tool call becomes a request to the action's own view (the viewset's `as_view`, as the router builds it):
the view's permissions, throttles, pagination, filters, serializer and queryset answer it, exactly as they
answer the REST call; only authentication happened at the door (/mcp or stdio), whose user and credential
the view receives (DRF's forced authentication: an OAuth token bound to /mcp would not pass the REST
path's audience check). The tool's name, title, annotations and scope come from the registration, its
schemas from the same operation of the OpenAPI schema (gptmcp.schemas). Tools run synchronously (the ORM);
the MCP server calls them on the request's thread (gptmcp.server.on_request_thread).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import mcp_types as types
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponseBase
from django.urls import NoReverseMatch
from rest_framework.pagination import PageNumberPagination

from gptactions.calls import error_message
from gptactions.registry import ActionSpec, site
from gptmcp import schemas

logger = logging.getLogger(__name__)


class ToolFailure(Exception):
    """A refusal the model can act on: its message goes back as the tool's error text.

    The call log keeps the message too (gptmcp.calls), never the arguments: a message names an argument
    (`page`), it does not repeat its value; a value it must show is in double quotes, which the log drops.
    """


def _renames() -> dict[str, str]:
    """Each operationId by the name the model knows it by here: its tool's."""
    return {spec.operation_id: spec.tool_name for spec in site.action_specs()}


def _page_number(url: Any, spec: ActionSpec) -> Any:
    """The page number a REST page URL (next/previous) asks for: a tool is called with page, not a URL."""
    if not isinstance(url, str):
        return url
    pagination = spec.resource.viewset.pagination_class
    parameter = getattr(pagination, "page_query_param", "page")
    return int(parse_qs(urlsplit(url).query).get(parameter, ["1"])[0])


def _pages_by_number(spec: ActionSpec) -> bool:
    pagination = spec.resource.viewset.pagination_class
    return spec.action == "list" and pagination is not None and issubclass(pagination, PageNumberPagination)


def _deleted_schema(spec: ActionSpec) -> dict[str, Any]:
    path_parameters = schemas.path_parameters(spec.operation_id)
    properties = {name: schemas.input_schema(spec.operation_id)["properties"][name] for name in path_parameters}
    properties = {name: {"type": prop.get("type", "string")} for name, prop in properties.items()}
    return {
        "type": "object",
        "properties": {**properties, "deleted": {"type": "boolean", "const": True}},
        "required": [*properties, "deleted"],
    }


def output_schema(spec: ActionSpec) -> dict[str, Any] | None:
    """The REST answer's schema; page numbers where REST has page URLs; what a delete answers instead of 204."""
    schema = schemas.response_schema(spec.operation_id)
    if schema is None:
        return _deleted_schema(spec) if spec.method == "DELETE" else None
    if _pages_by_number(spec) and {"next", "previous"} <= set(schema.get("properties", {})):
        page = {"type": ["integer", "null"]}
        schema["properties"]["next"] = {**page, "description": "The page to ask for next; null on the last page."}
        schema["properties"]["previous"] = {**page, "description": "The page before; null on the first page."}
    return schema


@dataclass(frozen=True)
class Tool:
    spec: ActionSpec

    @property
    def name(self) -> str:
        return self.spec.tool_name

    @property
    def scope(self) -> str:
        return self.spec.scope

    def annotations(self) -> types.ToolAnnotations:
        return types.ToolAnnotations(
            title=self.spec.title,
            read_only_hint=self.spec.read_only,
            destructive_hint=self.spec.destructive,
            idempotent_hint=self.spec.idempotent,
            open_world_hint=self.spec.open_world,
        )

    def missing_scope(self, allowed: Callable[[str], bool]) -> str | None:
        """The scope to ask for when the caller's credential does not allow this tool, else None."""
        return None if allowed(self.scope) else self.scope

    def unknown_arguments(self, arguments: Mapping[str, Any]) -> list[str]:
        return unknown_arguments(self, arguments)

    def run(self, user: Any, credential: Any, arguments: Mapping[str, Any], base: Mapping[str, Any]) -> Any:
        return run_tool(self, user, credential, arguments, base)

    def definition(self) -> types.Tool:
        renames = _renames()
        return types.Tool(
            name=self.name,
            title=self.spec.title,
            description=schemas.operation_description(self.spec.operation_id, renames),
            input_schema=schemas.input_schema(self.spec.operation_id, renames),
            output_schema=output_schema(self.spec),
            annotations=self.annotations(),
        )


def tools() -> dict[str, Tool]:
    """One tool per exposed action; gptmcp.documents.all_tools() adds `search` and `fetch`."""
    return {name: Tool(spec) for name, spec in site.by_tool_name().items()}


def unknown_arguments(tool: Tool, arguments: Mapping[str, Any]) -> list[str]:
    allowed = schemas.input_schema(tool.spec.operation_id)["properties"]
    return sorted(name for name in arguments if name not in allowed)


def _query_value(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool | None) else str(value)


def _view_request(spec: ActionSpec, arguments: Mapping[str, Any], base: Mapping[str, Any]) -> tuple[WSGIRequest, dict]:
    """The REST request the tool call stands for, on the door's host and client address; and the view's kwargs."""
    path_parameters = schemas.path_parameters(spec.operation_id)
    query_parameters = schemas.query_parameters(spec.operation_id)
    kwargs: dict[str, str] = {}
    for name in path_parameters:
        if arguments.get(name) is None:
            raise ToolFailure(f"`{name}` is required.")
        viewset = spec.resource.viewset
        kwargs[viewset.lookup_url_kwarg or viewset.lookup_field] = str(arguments[name])
    try:
        path = spec.path(**kwargs)
    except NoReverseMatch:
        names = ", ".join(f"`{name}`" for name in path_parameters)
        raise ToolFailure(f"{names} must be {schemas.path_parameter_kind(spec.operation_id)}.") from None
    query = {name: _query_value(arguments[name]) for name in query_parameters if name in arguments}
    fields = {name: value for name, value in arguments.items() if name not in path_parameters and name not in query}
    body = json.dumps(fields).encode() if spec.method in ("POST", "PUT", "PATCH") else b""
    environ = {
        **base,
        "REQUEST_METHOD": spec.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": urlencode(query),
        "HTTP_ACCEPT": "application/json",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    return WSGIRequest(environ), kwargs


def _failure_text(response: HttpResponseBase, data: Any) -> str:
    text = error_message(data) or f"The call failed ({response.status_code})."
    if response.status_code == 400 and not (isinstance(data, dict) and "detail" in data):
        text = f"Invalid fields, fix them and call again. {text}"
    return schemas.renamed(text, _renames())


def run_tool(tool: Tool, user: Any, credential: Any, arguments: Mapping[str, Any], base: Mapping[str, Any]) -> Any:
    """The REST answer of the tool's action for user with credential (structured), or ToolFailure with its message."""
    spec = tool.spec
    request, kwargs = _view_request(spec, arguments, base)
    # DRF's forced authentication: the door authenticated this user with this credential.
    request._force_auth_user = user
    request._force_auth_token = credential
    response = spec.view()(request, **kwargs)
    if hasattr(response, "render"):
        response.render()
    data = json.loads(response.content) if response.content else None
    if response.status_code >= 400:
        raise ToolFailure(_failure_text(response, data))
    if response.status_code == 204 and spec.method == "DELETE":
        ids = {name: arguments[name] for name in schemas.path_parameters(spec.operation_id)}
        if schemas.path_parameter_kind(spec.operation_id) == "an integer":
            ids = {name: int(value) for name, value in ids.items()}
        return {**ids, "deleted": True}
    if _pages_by_number(spec) and isinstance(data, dict):
        data = {
            **data,
            "next": _page_number(data.get("next"), spec),
            "previous": _page_number(data.get("previous"), spec),
        }
    return data


def tool_result(
    tool: Any, user: Any, credential: Any, arguments: Mapping[str, Any], base: Mapping[str, Any]
) -> types.CallToolResult:
    """Run tool (a Tool, or gptmcp.documents' search or fetch) as user: structured content and its JSON as text,
    or an error result the model can act on."""
    try:
        unknown = tool.unknown_arguments(arguments)
        if unknown:
            named = ", ".join(f'"{name}"' for name in unknown)  # the caller's words: quoted, so the log drops them
            raise ToolFailure(f"{tool.name} takes no argument named {named}.")
        structured = tool.run(user, credential, arguments, base)
    except ToolFailure as failure:
        return error_result(str(failure))
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=json.dumps(structured))],
        structured_content=structured,
    )


def error_result(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=message)], is_error=True)
