"""The MCP tools: the REST API's five operations on items, with its ownership rule, serializer and scopes.

Each tool names the REST method it mirrors: its scope (`gptactions.permissions.required_scope`) and its
consequence (`items.schema.is_consequential`, the schema's x-openai-isConsequential) follow from it,
and its schemas come from the same operation of the OpenAPI schema (gptmcp.schemas). Tools run
synchronously (the ORM); the MCP server calls them through sync_to_async.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import EmptyPage, Paginator
from rest_framework.utils.encoders import JSONEncoder

from gptactions.pagination import ItemPagination
from gptactions.permissions import required_scope
from gptactions.schema import is_consequential
from gptmcp import schemas
from items.models import Item
from items.selectors import item_list
from items.serializers import ItemSerializer


class ToolFailure(Exception):
    """A refusal the model can act on: its message goes back as the tool's error text."""


def _json(data: Any) -> Any:
    """The data as the REST API renders it (DRF's encoder: decimals as numbers, dates as ISO 8601)."""
    return json.loads(json.dumps(data, cls=JSONEncoder))


def _integer(arguments: dict[str, Any], name: str, default: int | None = None) -> int:
    value = arguments.get(name, default)
    if value is None:
        raise ToolFailure(f"`{name}` is required: an integer.")
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().lstrip("-").isdigit():
        raise ToolFailure(f"`{name}` must be an integer, not {json.dumps(value)}.")
    return int(value)


def _own_item(user: AbstractBaseUser, arguments: dict[str, Any]) -> Item:
    item_id = _integer(arguments, "id")
    item = item_list(owner=user).filter(pk=item_id).first()
    if item is None:
        raise ToolFailure(f"No item {item_id} among yours. Call list_items to see the ids of your items.")
    return item


def _saved(serializer: ItemSerializer, **save_kwargs: Any) -> dict[str, Any]:
    if not serializer.is_valid():
        problems = "; ".join(
            f"{field}: {' '.join(str(message) for message in messages)}"
            for field, messages in serializer.errors.items()
        )
        raise ToolFailure(f"Invalid fields, fix them and call again. {problems}")
    serializer.save(**save_kwargs)
    return _json(serializer.data)


def _fields(arguments: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in arguments.items() if name != "id"}


def list_items(user: AbstractBaseUser, arguments: dict[str, Any]) -> dict[str, Any]:
    page_size = min(_integer(arguments, "page_size", ItemPagination.page_size), ItemPagination.max_page_size)
    number = _integer(arguments, "page", 1)
    if page_size < 1:
        raise ToolFailure("`page_size` must be at least 1.")
    paginator = Paginator(item_list(owner=user), page_size)
    try:
        page = paginator.page(number)
    except EmptyPage:
        raise ToolFailure(f"There is no page {number}: the last page is {paginator.num_pages}.") from None
    return {
        "count": paginator.count,
        "next": page.next_page_number() if page.has_next() else None,
        "previous": page.previous_page_number() if page.has_previous() else None,
        "results": _json(ItemSerializer(page.object_list, many=True).data),
    }


def get_item(user: AbstractBaseUser, arguments: dict[str, Any]) -> dict[str, Any]:
    return _json(ItemSerializer(_own_item(user, arguments)).data)


def create_item(user: AbstractBaseUser, arguments: dict[str, Any]) -> dict[str, Any]:
    return _saved(ItemSerializer(data=arguments), owner=user)


def update_item(user: AbstractBaseUser, arguments: dict[str, Any]) -> dict[str, Any]:
    item = _own_item(user, arguments)
    return _saved(ItemSerializer(item, data=_fields(arguments), partial=True))


def delete_item(user: AbstractBaseUser, arguments: dict[str, Any]) -> dict[str, Any]:
    item = _own_item(user, arguments)
    item_id = item.pk
    item.delete()
    return {"id": item_id, "deleted": True}


def _list_output_schema() -> dict[str, Any]:
    """The REST page, with page numbers where REST has page URLs (a tool is called with a page number)."""
    schema = schemas.response_schema("listItems")
    page = {"type": ["integer", "null"]}
    schema["properties"]["next"] = {**page, "description": "The page to ask for next; null on the last page."}
    schema["properties"]["previous"] = {**page, "description": "The page before; null on the first page."}
    return schema


DELETED_SCHEMA = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "deleted": {"type": "boolean", "const": True}},
    "required": ["id", "deleted"],
}


@dataclass(frozen=True)
class ItemTool:
    name: str
    title: str
    operation_id: str  # the REST operation it mirrors, in the OpenAPI schema
    method: str  # that operation's HTTP method: the scope and the consequence follow from it
    run: Callable[[AbstractBaseUser, dict[str, Any]], dict[str, Any]]
    output_schema: Callable[[], dict[str, Any]]

    @property
    def scope(self) -> str:
        return required_scope(self.method)

    @property
    def read_only(self) -> bool:
        return self.scope == required_scope("GET")

    def annotations(self) -> types.ToolAnnotations:
        """Hints that say what x-openai-isConsequential says: a consequential call may destroy something."""
        return types.ToolAnnotations(
            title=self.title,
            read_only_hint=self.read_only,
            destructive_hint=not self.read_only and is_consequential(self.method.lower()),
            idempotent_hint=self.method != "POST",
            open_world_hint=False,
        )

    def definition(self) -> types.Tool:
        renames = {tool.operation_id: tool.name for tool in TOOLS.values()}
        return types.Tool(
            name=self.name,
            title=self.title,
            description=schemas.operation_description(self.operation_id, renames),
            input_schema=schemas.input_schema(self.operation_id, renames),
            output_schema=self.output_schema(),
            annotations=self.annotations(),
        )


TOOLS: dict[str, ItemTool] = {
    tool.name: tool
    for tool in (
        ItemTool("list_items", "List items", "listItems", "GET", list_items, _list_output_schema),
        ItemTool("get_item", "Get an item", "getItem", "GET", get_item, lambda: schemas.response_schema("getItem")),
        ItemTool(
            "create_item",
            "Create an item",
            "createItem",
            "POST",
            create_item,
            lambda: schemas.response_schema("createItem"),
        ),
        ItemTool(
            "update_item",
            "Change an item",
            "updateItem",
            "PATCH",
            update_item,
            lambda: schemas.response_schema("updateItem"),
        ),
        ItemTool("delete_item", "Delete an item", "deleteItem", "DELETE", delete_item, lambda: DELETED_SCHEMA),
    )
}


def tool_definitions() -> list[types.Tool]:
    return [tool.definition() for tool in TOOLS.values()]


def unknown_arguments(tool: ItemTool, arguments: dict[str, Any]) -> list[str]:
    allowed = schemas.input_schema(tool.operation_id)["properties"]
    return sorted(name for name in arguments if name not in allowed)


def tool_result(tool: ItemTool, user: AbstractBaseUser, arguments: dict[str, Any]) -> types.CallToolResult:
    """Run tool as user: structured content and its JSON as text, or an error result the model can act on."""
    try:
        unknown = unknown_arguments(tool, arguments)
        if unknown:
            raise ToolFailure(f"{tool.name} takes no argument named {', '.join(unknown)}.")
        structured = tool.run(user, arguments)
    except ToolFailure as failure:
        return error_result(str(failure))
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=json.dumps(structured))],
        structured_content=structured,
    )


def error_result(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=message)], is_error=True)
