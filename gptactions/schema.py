"""The OpenAPI schema a GPT Action imports: auth extensions, per-operation docs and a post-processing hook.

drf-spectacular builds the schema from ItemViewSet; this module adds what a GPT needs on top: one
security scheme per enabled auth style (`?auth=` narrows it to one, as a GPT Action takes one),
absolute OAuth URLs and `servers` on the public URL, operationIds, texts written for the model,
the error responses and `x-openai-isConsequential`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_mock_request as spectacular_build_mock_request
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
)
from rest_framework import serializers
from rest_framework.request import Request

from gptactions.auth_styles import AUTH_STYLES
from gptactions.conf import conf
from gptactions.public_url import oauth_endpoints, public_base_url
from gptactions.registry import INTEGER_KEYS, ActionSpec, site
from gptactions.scopes import all_scopes

MAX_OPERATION_TEXT = 300  # summary and description of an operation (OpenAI's Actions limits)
MAX_PARAMETER_TEXT = 700


def build_mock_request(method: str, path: str, view: Any, original_request: Request | None, **kwargs: Any) -> Request:
    """drf-spectacular's mock request, remembering the real one: the OAuth scheme needs its host."""
    request = spectacular_build_mock_request(method, path, view, original_request, **kwargs)
    request.schema_request = original_request
    return request


def _schema_request(auto_schema: AutoSchema) -> Request | None:
    return getattr(auto_schema.view.request, "schema_request", None)


# Auth extensions -------------------------------------------------------------------------------


class BearerApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = AUTH_STYLES["bearer"].authentication_class
    name = AUTH_STYLES["bearer"].scheme_name

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {"type": "http", "scheme": "bearer", "description": "An API key (gpta_…) as a Bearer token."}


class BasicApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = AUTH_STYLES["basic"].authentication_class
    name = AUTH_STYLES["basic"].scheme_name

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {"type": "http", "scheme": "basic", "description": "base64 of the API key, or of user:API key."}


class HeaderApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = AUTH_STYLES["custom"].authentication_class
    name = AUTH_STYLES["custom"].scheme_name

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {"type": "apiKey", "in": "header", "name": conf.API_KEY_HEADER, "description": "An API key (gpta_…)."}


class OAuth2Scheme(OpenApiAuthenticationExtension):
    """Replaces drf-spectacular's DOT extension, which drops oauth2 unless the view uses DOT's permissions."""

    target_class = AUTH_STYLES["oauth"].authentication_class
    name = AUTH_STYLES["oauth"].scheme_name
    priority = 1

    def get_security_requirement(self, auto_schema: AutoSchema) -> dict[str, list[str]]:
        spec = site.action_spec(type(auto_schema.view), getattr(auto_schema.view, "action", None))
        return {self.name: [spec.scope] if spec else []}

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        flow = {
            **oauth_endpoints(public_base_url(_schema_request(auto_schema))),
            "scopes": all_scopes(),
        }
        return {"type": "oauth2", "flows": {"authorizationCode": flow}}


# Error bodies ----------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in English.")


class ValidationErrorSerializer(serializers.Serializer):
    """DRF's 400 body: a list of messages per field, or `detail` for a body that is not JSON."""


class ValidationErrorScheme(OpenApiSerializerExtension):
    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {"detail": {"type": "string"}},
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "example": {"price": ["Ensure that there are no more than 2 decimal places."]},
        }


RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds to wait before the next call.",
)
ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="No credentials, or credentials that are wrong or expired."),
    403: OpenApiResponse(ErrorSerializer, description="The credentials lack the scope this action needs."),
    429: OpenApiResponse(ErrorSerializer, description="Too many calls: wait Retry-After seconds, then retry."),
}
INVALID = {400: OpenApiResponse(ValidationErrorSerializer, description="Invalid fields: fix them and retry.")}

# Post-processing -------------------------------------------------------------------------------


_SUCCESS = {"200": "The answer.", "201": "Created.", "204": "Done."}


class ActionAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, naming each registered action's operation as its registration does.

    DEFAULT_SCHEMA_CLASS points here. A view's own extend_schema(operation_id=…) still wins.
    """

    def _spec(self) -> ActionSpec | None:
        return site.action_spec(type(self.view), getattr(self.view, "action", None))

    def get_operation_id(self) -> str:
        spec = self._spec()
        return spec.operation_id if spec is not None else super().get_operation_id()

    def get_summary(self) -> str | None:
        """The registration's title ("List notes") unless the view's extend_schema gives one."""
        spec = self._spec()
        return spec.title if spec is not None else super().get_summary()

    def _resolve_path_parameters(self, variables: list[str]) -> list[dict[str, Any]]:
        """An integer primary key is an integer in the schema, even when drf-spectacular can't reach the model.

        It finds the model through the view's get_queryset(), which a shop's view often bases on the signed-in
        user (there is none while the schema is built); the registration knows the model.
        """
        parameters = super()._resolve_path_parameters(variables)
        spec = self._spec()
        pk = spec.resource.model._meta.pk if spec is not None else None
        for parameter in parameters:
            if pk is not None and parameter["name"] in ("id", "pk") and pk.get_internal_type() in INTEGER_KEYS:
                parameter["schema"] = self._map_model_field(pk, direction=None)
        return parameters

    def get_override_parameters(self) -> list[Any]:
        """A registered action's 429 states its Retry-After header, as the throttles send it."""
        parameters = list(super().get_override_parameters())
        if self._spec() is not None and not any(getattr(p, "name", None) == "Retry-After" for p in parameters):
            parameters.append(RETRY_AFTER)
        return parameters

    def get_description(self) -> str:
        """The view's docstring, or else the registration's description of the resource."""
        spec = self._spec()
        description = super().get_description()
        return description or (str(spec.resource.description) if spec is not None else "")

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        """The view's responses, and the errors any registered action can answer (where the view names none)."""
        responses = super()._get_response_bodies(direction)
        spec = self._spec()
        if spec is None or direction != "response":
            return responses
        errors = dict(ERRORS)
        if spec.method in ("POST", "PUT", "PATCH"):
            errors.update(INVALID)
        if spec.detail:
            errors[404] = OpenApiResponse(ErrorSerializer, description="No such record among the user's.")
        if spec.action == "list" and getattr(self.view, "pagination_class", None) is not None:
            errors[400] = OpenApiResponse(
                ErrorSerializer, description="page or page_size out of range: the detail says which."
            )
            errors[404] = OpenApiResponse(ErrorSerializer, description="No such page.")
        for code, response in errors.items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(response, str(code), direction=direction)
        for code, response in responses.items():
            response["description"] = response.get("description") or _SUCCESS.get(code, "")
        return responses


def is_consequential(operation_id: str, method: str) -> bool:
    """x-openai-isConsequential: as the operation's registration says; otherwise reads never ask, writes do."""
    spec = site.by_operation_id().get(operation_id)
    if spec is not None:
        return spec.consequential
    return method not in ("get", "head", "options")


def requested_auth(request: HttpRequest | Request | None) -> str | None:
    """The `?auth=` style of a schema request (validated by the schema view)."""
    if request is None:
        return None
    return request.GET.get("auth") or None


def postprocess_for_gpt_actions(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """servers on the public URL; `?auth=` keeps one security scheme; isConsequential on each operation."""
    # servers right after info, where a reader of the YAML looks for it.
    result = {
        "openapi": result["openapi"],
        "info": result["info"],
        "servers": [{"url": public_base_url(request)}],
        **result,
    }
    style = AUTH_STYLES.get(requested_auth(request) or "")
    keep = style.scheme_name if style else None
    schemes = result.get("components", {}).get("securitySchemes", {})
    if keep is not None:
        for name in list(schemes):
            if name != keep:
                del schemes[name]
    for path_item in result["paths"].values():
        for method, operation in path_item.items():
            operation["x-openai-isConsequential"] = is_consequential(operation.get("operationId", ""), method)
            spec = site.by_operation_id().get(operation.get("operationId", ""))
            if spec is not None:
                _describe_parameters(operation, spec)
            if keep is not None and "security" in operation:
                operation["security"] = [req for req in operation["security"] if set(req) == {keep}]
    return result


def _describe_parameters(operation: dict[str, Any], spec: ActionSpec) -> None:
    """A model reads every parameter's description (GPT lint): a registered action's path id gets one by default."""
    for parameter in operation.get("parameters", []):
        if parameter.get("description"):
            continue
        if parameter["in"] == "path":
            parameter["description"] = f"The {spec.resource.singular}'s {parameter['name']}."
        else:
            parameter["description"] = parameter["name"].replace("_", " ").capitalize() + "."
