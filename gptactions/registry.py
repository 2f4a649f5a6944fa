"""The resource registry: one declaration puts a DRF ViewSet behind GPT Actions, MCP tools, scopes and the call log.

A shop registers its own viewset the way it registers a model in the admin, in a `gpt_actions.py` module of
its app (found by autodiscovery, as `admin.py` is)::

    import gptactions
    from notes.views import NoteViewSet

    gptactions.site.register(NoteViewSet, prefix="notes", actions=["list", "retrieve", "create"])

Everything else is derived from that declaration: the REST routes (`gptactions.urls`), the schema's
operationIds and `x-openai-isConsequential` (`gptactions.schema`), the MCP tools and their annotations
(`gptmcp`), the scopes DOT offers and the consent page shows (`gptactions.scopes`), the scope each call needs
(`gptactions.permissions.HasActionScope`), the call log's operation names and the setup listings. The
viewset itself is never patched or subclassed: its authentication, permissions, throttles, pagination and
filters run as written, for REST and for MCP alike (an MCP tool call goes through the same view).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model
from django.urls import URLPattern, reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS
from rest_framework.routers import SimpleRouter
from rest_framework.viewsets import ViewSetMixin

from gptactions.conf import conf

# DRF's standard actions: (HTTP method, detail route, operationId verb, tool name verb, title verb).
STANDARD_ACTIONS: dict[str, tuple[str, bool, str, str, str]] = {
    "list": ("GET", False, "list", "list", "List"),
    "create": ("POST", False, "create", "create", "Create"),
    "retrieve": ("GET", True, "get", "get", "Get"),
    "update": ("PUT", True, "replace", "replace", "Replace"),
    "partial_update": ("PATCH", True, "update", "update", "Change"),
    "destroy": ("DELETE", True, "delete", "delete", "Delete"),
}


def _camel(words: str) -> str:
    head, *rest = re.split(r"[\s_\-]+", words.strip())
    return head.lower() + "".join(word[:1].upper() + word[1:] for word in rest)


def _snake(words: str) -> str:
    return re.sub(r"[\s\-]+", "_", words.strip()).lower()


def _with_article(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


@dataclass(frozen=True)
class ActionSpec:
    """One exposed action of a registered viewset, as every front door names and guards it."""

    resource: Resource
    action: str  # the viewset's action: "list", "retrieve", ... or an @action's name
    method: str  # its HTTP method
    detail: bool  # on /prefix/{pk} rather than /prefix/
    operation_id: str  # in the OpenAPI schema and the call log (REST)
    tool_name: str  # the MCP tool, and its name in the call log (MCP)
    title: str
    scope: str  # the scope a credential needs for it
    consequential: bool  # x-openai-isConsequential: ChatGPT asks the user before each call
    destructive: bool  # MCP destructiveHint

    @property
    def read_only(self) -> bool:
        return self.method in SAFE_METHODS

    @property
    def idempotent(self) -> bool:
        return self.method != "POST"

    @property
    def open_world(self) -> bool:
        return self.resource.open_world

    @property
    def url_name(self) -> str:
        """The route's name, as DRF's router names it."""
        if self.action in STANDARD_ACTIONS:
            return f"{self.resource.basename}-{'detail' if self.detail else 'list'}"
        return f"{self.resource.basename}-{self.resource.extra_action(self.action).url_name}"

    @property
    def route(self) -> str:
        """The REST path as the schema writes it: /notes/ or /notes/{id}/."""
        if self.action in STANDARD_ACTIONS:
            return f"/{self.resource.prefix}/{{id}}/" if self.detail else f"/{self.resource.prefix}/"
        url_path = self.resource.extra_action(self.action).url_path
        return f"/{self.resource.prefix}/{{id}}/{url_path}/" if self.detail else f"/{self.resource.prefix}/{url_path}/"

    def path(self, **kwargs: Any) -> str:
        """The REST path of this action (kwargs: the detail route's lookup value); NoReverseMatch if it doesn't fit."""
        return reverse(self.url_name, kwargs=kwargs)

    def view(self) -> Callable[..., Any]:
        """The viewset's view for this action alone, as the router builds it (the same code path as REST)."""
        return self.resource.view_for({self.method.lower(): self.action}, detail=self.detail)


@dataclass
class Resource:
    """A registered viewset and what the registration says about it. Defaults come from the model and prefix."""

    viewset: type[ViewSetMixin]
    prefix: str
    actions: Sequence[str]
    singular: str = ""  # "item": tool names (get_item) and titles; the model's verbose name by default
    plural: str = ""  # "items": list tool (list_items), operationIds (listItems); the model's plural by default
    description: str | Promise = ""  # what the resource is, for the model (MCP instructions, setup page)
    read_scope: str = ""  # "<prefix>:read" by default
    write_scope: str = ""  # "<prefix>:write" by default
    scope_descriptions: Mapping[str, str | Promise] = field(default_factory=dict)
    action_scopes: Mapping[str, str] = field(default_factory=dict)  # an action's scope, when not read/write
    consequential: Mapping[str, bool] = field(default_factory=dict)
    destructive: Mapping[str, bool] = field(default_factory=dict)
    operation_ids: Mapping[str, str] = field(default_factory=dict)
    tool_names: Mapping[str, str] = field(default_factory=dict)
    titles: Mapping[str, str] = field(default_factory=dict)
    open_world: bool = False  # MCP openWorldHint: the tools reach only this server's data
    basename: str = ""

    def __post_init__(self) -> None:
        self._specs: dict[tuple[str, bool, bool], ActionSpec] = {}
        self._views: dict[tuple[tuple[tuple[str, str], ...], bool], Callable[..., Any]] = {}
        model = self.model
        # Names (tools, operationIds) from the verbose names as written, whatever language is active; the
        # consent page's words from the same names translated when the page is shown.
        self.verbose_plural = self.plural or model._meta.verbose_name_plural
        with translation.override(None):
            self.singular = self.singular or str(model._meta.verbose_name)
            self.plural = self.plural or str(model._meta.verbose_name_plural)
        self.basename = self.basename or _snake(self.singular)
        self.read_scope = self.read_scope or f"{self.prefix}:read"
        self.write_scope = self.write_scope or f"{self.prefix}:write"
        unknown = [action for action in self.actions if not self._has_action(action)]
        if unknown:
            raise ImproperlyConfigured(
                f"{self.viewset.__name__} has no action {', '.join(unknown)} (registered as {self.prefix!r})."
            )

    @property
    def model(self) -> type[Model]:
        queryset = getattr(self.viewset, "queryset", None)
        if queryset is not None:
            return queryset.model
        serializer_class = getattr(self.viewset, "serializer_class", None)
        model = getattr(getattr(serializer_class, "Meta", None), "model", None)
        if model is None:
            raise ImproperlyConfigured(
                f"{self.viewset.__name__}: give it a queryset or a ModelSerializer, or register it with singular= "
                "and plural=."
            )
        return model

    def _has_action(self, action: str) -> bool:
        if action in STANDARD_ACTIONS:
            return hasattr(self.viewset, action)
        return any(extra.__name__ == action for extra in self.viewset.get_extra_actions())

    def extra_action(self, action: str) -> Any:
        return next(extra for extra in self.viewset.get_extra_actions() if extra.__name__ == action)

    @property
    def scopes(self) -> dict[str, str]:
        """The scopes this resource's actions need, with the words the consent page shows."""
        defaults = {
            self.read_scope: _("Read your %(things)s") % {"things": self.verbose_plural},
            self.write_scope: _("Create, change and delete your %(things)s") % {"things": self.verbose_plural},
        }
        needed = {spec.scope for spec in self.specs()}
        return {
            scope: str(self.scope_descriptions.get(scope) or defaults.get(scope) or scope)
            for scope in [*defaults, *self.action_scopes.values()]
            if scope in needed
        }

    def spec(self, action: str) -> ActionSpec:
        """The action as every front door names and guards it (kept per action and per consequence setting)."""
        key = (action, conf.GPT_CREATE_IS_CONSEQUENTIAL, conf.GPT_UPDATE_IS_CONSEQUENTIAL)
        spec = self._specs.get(key)
        if spec is None:
            spec = self._specs[key] = self._make_spec(action)
        return spec

    def _make_spec(self, action: str) -> ActionSpec:
        if action in STANDARD_ACTIONS:
            method, detail, op_verb, tool_verb, title_verb = STANDARD_ACTIONS[action]
            noun = self.plural if action == "list" else self.singular
        else:
            extra = self.extra_action(action)
            method, detail = next(iter(extra.mapping)).upper(), extra.detail
            op_verb, tool_verb, title_verb = _camel(action), _snake(action), action.replace("_", " ").capitalize()
            noun = self.singular if detail else self.plural
        read_only = method in SAFE_METHODS
        default_consequential = (
            False
            if read_only
            else conf.GPT_CREATE_IS_CONSEQUENTIAL
            if method == "POST" and action == "create"
            else conf.GPT_UPDATE_IS_CONSEQUENTIAL
            if action in ("update", "partial_update")
            else True
        )
        consequential = self.consequential.get(action, default_consequential)
        noun_words = noun.split()
        return ActionSpec(
            resource=self,
            action=action,
            method=method,
            detail=detail,
            operation_id=self.operation_ids.get(action)
            or op_verb + "".join(word[:1].upper() + word[1:] for word in noun_words),
            tool_name=self.tool_names.get(action) or _snake(f"{tool_verb} {noun}"),
            title=self.titles.get(action) or f"{title_verb} {_with_article(noun) if noun == self.singular else noun}",
            scope=self.action_scopes.get(action) or (self.read_scope if read_only else self.write_scope),
            consequential=consequential,
            destructive=self.destructive.get(action, not read_only and consequential),
        )

    def specs(self) -> list[ActionSpec]:
        return [self.spec(action) for action in self.actions]

    def view_for(self, actions: Mapping[str, str], *, detail: bool) -> Callable[..., Any]:
        # Built once, as a URLconf holds its views: as_view() on every MCP tool call cost 1.5% of one (cProfile).
        key = (tuple(actions.items()), detail)
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = self.viewset.as_view(dict(actions), basename=self.basename, detail=detail)
        return view


INTEGER_KEYS = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField"}


class _AllowlistRouter(SimpleRouter):
    """DRF's SimpleRouter, routing only the actions each registration allows."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        super().__init__()
        self._resources = {resource.viewset: resource for resource in resources}
        # Both /items and /items/ answer directly: a redirect would make clients drop a POST body.
        self.trailing_slash = "/?"

    def get_lookup_regex(self, viewset: type, lookup_prefix: str = "") -> str:
        # An integer primary key takes digits only, so the schema says `integer` (drf-spectacular reads the route)
        # even when the view's get_queryset() needs a signed-in user; a view's own lookup_value_regex wins.
        resource = self._resources.get(viewset)
        lookup_field = getattr(viewset, "lookup_field", "pk")
        if resource is not None and not hasattr(viewset, "lookup_value_regex") and lookup_field in ("pk", "id"):
            if resource.model._meta.pk.get_internal_type() in INTEGER_KEYS:
                lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
                return f"(?P<{lookup_prefix}{lookup_url_kwarg}>[0-9]+)"
        return super().get_lookup_regex(viewset, lookup_prefix)

    def get_method_map(self, viewset: type, method_map: Mapping[str, str]) -> dict[str, str]:
        resource = self._resources.get(viewset)
        allowed = set(resource.actions) if resource else set()
        return {
            method: action
            for method, action in super().get_method_map(viewset, method_map).items()
            if action in allowed
        }


class ResourceSite:
    """The registry (one per project, `gptactions.site`), in the style of `admin.site`."""

    def __init__(self) -> None:
        self._resources: dict[type, Resource] = {}
        self._view_wrappers: list[Callable[[Callable[..., Any], Resource], Callable[..., Any]]] = []

    def register(self, viewset: type[ViewSetMixin], *, prefix: str, actions: Sequence[str], **options: Any) -> Resource:
        """Expose viewset's listed actions (an allowlist) under /prefix/; options: see Resource's fields."""
        if viewset in self._resources:
            raise ImproperlyConfigured(f"{viewset.__name__} is registered already.")
        if any(resource.prefix == prefix for resource in self._resources.values()):
            raise ImproperlyConfigured(f"Another viewset is registered with the prefix {prefix!r}.")
        resource = Resource(viewset=viewset, prefix=prefix, actions=list(actions), **options)
        names = {spec.tool_name for spec in self.action_specs()}
        clashes = sorted(names & {spec.tool_name for spec in resource.specs()})
        if clashes:
            raise ImproperlyConfigured(f"{viewset.__name__}: another resource has the tools {', '.join(clashes)}.")
        self._resources[viewset] = resource
        return resource

    def unregister(self, viewset: type) -> None:
        self._resources.pop(viewset, None)

    def resources(self) -> list[Resource]:
        return list(self._resources.values())

    def resource_for(self, viewset: type) -> Resource | None:
        return self._resources.get(viewset)

    def action_specs(self) -> list[ActionSpec]:
        return [spec for resource in self._resources.values() for spec in resource.specs()]

    def action_spec(self, viewset: type, action: str | None) -> ActionSpec | None:
        """The registration's word on this view's action; None for an action it doesn't expose."""
        resource = self._resources.get(viewset)
        if resource is None or action not in resource.actions:
            return None
        return resource.spec(action)

    def by_tool_name(self) -> dict[str, ActionSpec]:
        return {spec.tool_name: spec for spec in self.action_specs()}

    def by_operation_id(self) -> dict[str, ActionSpec]:
        return {spec.operation_id: spec for spec in self.action_specs()}

    def scopes(self) -> dict[str, str]:
        """Every registered resource's scopes and their consent-page words, in registration order."""
        return {scope: words for resource in self._resources.values() for scope, words in resource.scopes.items()}

    def wrap_views(self, wrapper: Callable[[Callable[..., Any], Resource], Callable[..., Any]]) -> None:
        """Have wrapper(view, resource) wrap each REST route's view function (the call log records this way)."""
        if wrapper not in self._view_wrappers:
            self._view_wrappers.append(wrapper)

    @property
    def urls(self) -> list[URLPattern]:
        """The REST routes of every registered resource: include them with path("", include("gptactions.urls"))."""
        router = _AllowlistRouter(self._resources.values())
        for resource in self._resources.values():
            router.register(resource.prefix, resource.viewset, basename=resource.basename)
        patterns = router.urls
        for pattern in patterns:
            resource = self._resources[pattern.callback.cls]
            for wrapper in self._view_wrappers:
                pattern.callback = wrapper(pattern.callback, resource)
        return patterns


site = ResourceSite()


def autodiscover() -> None:
    """Import every installed app's `gpt_actions` module, where it registers its viewsets."""
    autodiscover_modules("gpt_actions")
