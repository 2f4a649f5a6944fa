"""The MCP Apps view (SEP-1865, extension `io.modelcontextprotocol/ui`): a table or a card in the chat.

Every registered resource with a `list` or `retrieve` action gets one `ui://` resource: a self-contained
HTML page (inline script and styles, nothing fetched) that a host renders in a sandboxed iframe and feeds
the list or get tool's `structuredContent` over the `ui/*` postMessage bridge. Its columns come from the
tool's output schema, their headers from the model fields' verbose names; its words, in every language of
LANGUAGES, from the gettext catalogs when the resource is read. The page holds no user data (hosts prefetch
and cache it): the rows arrive with each tool result, and with them (in the result's `_meta`) the tools the
caller's credential may call, so the view offers only the buttons that would be allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mcp_types as types
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID
from mcp.shared.exceptions import MCPError

from gptactions.registry import ActionSpec, Resource, site
from gptmcp import schemas
from gptmcp.tools import output_schema

EXTENSION = EXTENSION_ID  # io.modelcontextprotocol/ui; the SDK advertises it on the 2026-07-28 wire (its 2025
# schemas have no `extensions` capability): hosts on 2025 versions go by each tool's _meta.ui
MIME_TYPE = APP_MIME_TYPE  # text/html;profile=mcp-app
SHOWN_BY = ("list", "retrieve")  # the tools whose results the view renders
OFFERED = ("partial_update", "destroy")  # the writes it offers as buttons
# In a list or get result's _meta: the tools of this view the caller's credential may call.
ALLOWED_TOOLS = "gptmcp/allowedTools"
# Nothing outside the page: no fetch, no CDN, no fonts, no frames.
CSP: dict[str, list[str]] = {"connectDomains": [], "resourceDomains": [], "frameDomains": [], "baseUriDomains": []}

MESSAGES = {
    "waiting": _("Waiting for the result…"),
    "empty": _("Nothing here yet."),
    "count": _("%(count)s in all"),
    "page": _("Page %(page)s"),
    "previous": _("Previous"),
    "next": _("Next"),
    "open": _("Open"),
    "back": _("Back to the list"),
    "edit": _("Edit"),
    "save": _("Save"),
    "cancel": _("Cancel"),
    "delete": _("Delete"),
    "confirm_delete": _("Confirm"),
    "deleted": _("Deleted."),
    "saved": _("Saved."),
    "failed": _("The call failed: %(message)s"),
    "read_only": _("Read-only: this connection may not change anything."),
    "yes": _("Yes"),
    "no": _("No"),
}


def view_uri(resource: Resource) -> str:
    return f"ui://gptmcp/{resource.prefix}/view.html"


def viewed_resources() -> list[Resource]:
    return [resource for resource in site.resources() if set(SHOWN_BY) & set(resource.actions)]


def _view_specs(resource: Resource) -> dict[str, ActionSpec]:
    """The resource's actions the view calls, by action."""
    return {action: resource.spec(action) for action in (*SHOWN_BY, *OFFERED) if action in resource.actions}


def _spec_of_tool(name: str) -> ActionSpec | None:
    spec = site.by_tool_name().get(name)
    return spec if spec is not None and spec.action in (*SHOWN_BY, *OFFERED) else None


# tools/list -------------------------------------------------------------------------------------------------------


def with_view_meta(tool: types.Tool) -> types.Tool:
    """The tool as tools/list shows it: a list or get tool names its view (and ChatGPT's alias for it); every tool
    the view calls may be called from it."""
    spec = _spec_of_tool(tool.name)
    if spec is None:
        return tool
    meta: dict[str, Any] = {"openai/widgetAccessible": True}
    if spec.action in SHOWN_BY:
        uri = view_uri(spec.resource)
        meta |= {"ui": {"resourceUri": uri, "visibility": ["model", "app"]}, "openai/outputTemplate": uri}
    return tool.model_copy(update={"meta": {**(tool.meta or {}), **meta}})


# tools/call -------------------------------------------------------------------------------------------------------


def with_allowed_tools(name: str, result: types.CallToolResult, allows: Callable[[str], bool]) -> types.CallToolResult:
    """A list or get result, with the view's tools this caller may call in its _meta (others are not offered)."""
    spec = _spec_of_tool(name)
    if spec is None or spec.action not in SHOWN_BY or result.is_error:
        return result
    allowed = [other.tool_name for other in _view_specs(spec.resource).values() if allows(other.scope)]
    return result.model_copy(update={"meta": {**(result.meta or {}), ALLOWED_TOOLS: allowed}})


# resources/list, resources/read -----------------------------------------------------------------------------------


def _resource_meta() -> dict[str, Any]:
    return {"ui": {"csp": CSP, "prefersBorder": True}}


def view_resources() -> list[types.Resource]:
    return [
        types.Resource(
            uri=view_uri(resource),
            name=f"{resource.prefix}_view",
            title=f"{capfirst(resource.plural)} view",
            description=f"A table of the user's {resource.plural} and a card for one {resource.singular}.",
            mime_type=MIME_TYPE,
            meta=_resource_meta(),
        )
        for resource in viewed_resources()
    ]


def read_view(uri: str) -> types.ReadResourceResult:
    """The view's HTML; an unknown URI is invalid params (-32602, as the 2026 spec names a missing resource)."""
    resource = next((resource for resource in viewed_resources() if view_uri(resource) == uri), None)
    if resource is None:
        known = ", ".join(view_uri(resource) for resource in viewed_resources())
        raise MCPError(code=types.INVALID_PARAMS, message=f"There is no resource with this URI. The views: {known}.")
    contents = types.TextResourceContents(uri=uri, mime_type=MIME_TYPE, text=view_html(resource), meta=_resource_meta())
    return types.ReadResourceResult(contents=[contents])


def view_html(resource: Resource) -> str:
    return render_to_string("gptmcp/app_view.html", {"config": view_config(resource)})


# What the page knows ----------------------------------------------------------------------------------------------


def _field_schema(resource: Resource) -> dict[str, Any]:
    """The properties of one object as the list (else the get) tool answers it."""
    specs = _view_specs(resource)
    if "list" in specs:
        schema = output_schema(specs["list"]) or {}
        schema = schema.get("properties", {}).get("results", {}).get("items", schema)
    else:
        schema = output_schema(specs["retrieve"]) or {}
    return schema.get("properties", {})


def _kind(schema: dict[str, Any]) -> str:
    """string, text, number, integer, boolean, date-time or other: how a value is shown and edited."""
    kinds = schema.get("type") or [option.get("type") for option in schema.get("oneOf", [])]
    kinds = [kinds] if isinstance(kinds, str) else [kind for kind in kinds if kind and kind != "null"]
    kind = kinds[0] if kinds else "other"
    if kind == "string" and schema.get("format") == "date-time":
        return "date-time"
    longest = max([schema.get("maxLength", 0), *(option.get("maxLength", 0) for option in schema.get("oneOf", []))])
    if kind == "string" and longest > 200:
        return "text"
    return kind if kind in ("string", "number", "integer", "boolean") else "other"


def _label(resource: Resource, name: str) -> str:
    """The column's header in the active language: the model field's verbose name, through the catalogs."""
    try:
        verbose = str(resource.model._meta.get_field(name).verbose_name)
    except (FieldDoesNotExist, ImproperlyConfigured):
        verbose = name.replace("_", " ")
    return capfirst(gettext(verbose))


def _decimals(resource: Resource, name: str) -> int | None:
    """A DecimalField's places (a price shows 24.90, not 24.9); None for any other field."""
    try:
        field = resource.model._meta.get_field(name)
    except (FieldDoesNotExist, ImproperlyConfigured):
        return None
    return field.decimal_places if isinstance(field, models.DecimalField) else None


def _in_each_language(make: Callable[[], Any]) -> dict[str, Any]:
    answers = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            answers[code] = make()
    return answers


def _editable(resource: Resource) -> list[dict[str, Any]]:
    spec = _view_specs(resource).get("partial_update")
    if spec is None:
        return []
    keys = set(schemas.path_parameters(spec.operation_id))
    properties = schemas.input_schema(spec.operation_id)["properties"]
    return [
        {"name": name, "kind": _kind(prop), "nullable": "null" in (prop.get("type") or [])}
        for name, prop in properties.items()
        if name not in keys
    ]


def _table_columns(columns: list[dict[str, Any]]) -> list[str]:
    """The table's columns: all but the second and later timestamps (updated_at…), which only the card shows, so
    that a row fits a chat's width."""
    dates = [column["name"] for column in columns if column["kind"] == "date-time"]
    return [column["name"] for column in columns if column["name"] not in dates[1:]]


def view_config(resource: Resource) -> dict[str, Any]:
    """Everything the page needs but the data: tools, columns, labels and words in every language."""
    specs = _view_specs(resource)
    detail = specs.get("retrieve") or specs.get("destroy") or specs.get("partial_update")
    key = schemas.path_parameters(detail.operation_id)[0] if detail is not None else "id"
    fields = _field_schema(resource)
    columns = [
        {"name": name, "kind": _kind(prop), "decimals": _decimals(resource, name)} for name, prop in fields.items()
    ]
    return {
        "tools": {action: spec.tool_name for action, spec in specs.items()},
        "key": key,
        "columns": columns,
        "tableColumns": _table_columns(columns),
        "editable": _editable(resource),
        "languages": [code for code, _name in settings.LANGUAGES],
        "defaultLanguage": settings.LANGUAGE_CODE,
        "labels": _in_each_language(lambda: {name: _label(resource, name) for name in fields}),
        "titles": _in_each_language(lambda: capfirst(gettext(str(resource.verbose_plural)))),
        "messages": _in_each_language(lambda: {key: str(text) for key, text in MESSAGES.items()}),
    }
