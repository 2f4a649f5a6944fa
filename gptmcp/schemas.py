"""Tool schemas cut from the OpenAPI schema: one set of field definitions for both front doors.

Each tool names the operation of the REST API it mirrors; its input schema is that operation's
path and query parameters plus its request body, its description the operation's summary and
description, its output schema the operation's success response, with every `$ref` inlined
(an MCP tool schema stands alone).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from drf_spectacular.generators import SchemaGenerator

_REF = "#/components/schemas/"
# Keys that are OpenAPI's, not JSON Schema's: dropped so that any JSON Schema validator reads the result.
_OPENAPI_ONLY = frozenset({"example", "examples", "discriminator", "xml", "externalDocs"})


@functools.cache
def openapi_schema() -> dict[str, Any]:
    """The REST API's OpenAPI document, built once per process (no request: fields only, no URLs)."""
    return SchemaGenerator().get_schema(request=None, public=True)


def _inline(node: Any, components: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF):
            return _inline(components[ref.removeprefix(_REF)], components)
        return {key: _inline(value, components) for key, value in node.items() if key not in _OPENAPI_ONLY}
    if isinstance(node, list):
        return [_inline(value, components) for value in node]
    return node


def _operation(operation_id: str) -> dict[str, Any]:
    for path_item in openapi_schema()["paths"].values():
        for operation in path_item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return operation
    raise LookupError(operation_id)


def _components() -> dict[str, Any]:
    return openapi_schema()["components"]["schemas"]


def renamed(text: str, renames: dict[str, str]) -> str:
    """text with each operationId it mentions replaced by the name the model knows it by."""
    if not renames:
        return text
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, renames)) + r")\b")
    return pattern.sub(lambda match: renames[match.group(1)], text)


def operation_description(operation_id: str, renames: dict[str, str]) -> str:
    """Summary and description of the operation, its sibling operations called by their tool names."""
    operation = _operation(operation_id)
    return renamed(f"{operation['summary']}. {operation.get('description', '')}".strip(), renames)


def input_schema(operation_id: str, renames: dict[str, str] | None = None) -> dict[str, Any]:
    """The operation's path and query parameters and its JSON body's properties, as one object."""
    operation = _operation(operation_id)  # read only: _inline builds every dict and list it returns anew
    components = _components()
    properties: dict[str, Any] = {}
    required: list[str] = []
    for parameter in operation.get("parameters", []):
        if parameter["in"] not in ("path", "query"):
            continue
        prop = _inline(parameter["schema"], components)
        if parameter.get("description"):
            prop["description"] = renamed(parameter["description"], renames or {})
        properties[parameter["name"]] = prop
        if parameter.get("required"):
            required.append(parameter["name"])
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body is not None:
        body = _inline(body, components)
        properties.update(body.get("properties", {}))
        required.extend(body.get("required", []))
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def response_schema(operation_id: str) -> dict[str, Any] | None:
    """The JSON schema of the operation's success response (None when it has no body)."""
    responses = _operation(operation_id)["responses"]
    for status in ("200", "201"):
        content = responses.get(status, {}).get("content", {}).get("application/json")
        if content is not None:
            return _inline(content["schema"], _components())
    return None


def _parameters(operation_id: str, where: str) -> list[dict[str, Any]]:
    return [parameter for parameter in _operation(operation_id).get("parameters", []) if parameter["in"] == where]


def path_parameters(operation_id: str) -> list[str]:
    """The names of the operation's path parameters (a detail route's id)."""
    return [parameter["name"] for parameter in _parameters(operation_id, "path")]


def query_parameters(operation_id: str) -> list[str]:
    return [parameter["name"] for parameter in _parameters(operation_id, "query")]


def path_parameter_kind(operation_id: str) -> str:
    """What the operation's path parameters must be, for a refusal's words: "an integer", or "valid"."""
    types = {parameter["schema"].get("type") for parameter in _parameters(operation_id, "path")}
    return "an integer" if types == {"integer"} else "valid"
