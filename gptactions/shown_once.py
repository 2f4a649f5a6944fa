"""Admin pages that show a new secret once, reached by POST-redirect-GET (API keys, GPT clients' secrets).

The add form's POST creates the object through its app's create service and keeps the raw secret
in the session; the redirect's GET pops it and shows it. A reload finds nothing to show and says
so: it never creates a second secret, and the secret is in no URL, message or log.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.utils import unquote
from django.db.models import Model
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.cache import add_never_cache_headers


class ShownOnceAdminMixin:
    """Mix into a ModelAdmin whose add form creates a secret; subclasses say how to create and what to show."""

    shown_once_template = "admin/gptactions/shown_once.html"
    change_label = ""  # the page's main button, to the object's change page
    lost_hint = ""  # what to do when the secret was shown already

    def create_with_secret(self, request: HttpRequest, form: ModelForm) -> tuple[Model, str]:
        """Create the object from the valid add form through the create service; returns it and its raw secret."""
        raise NotImplementedError

    def shown_once_context(self, request: HttpRequest, obj: Model, secret: str) -> dict[str, Any]:
        """title, intro, tables [(caption, values, id_prefix)] and notes: what the page shows with the secret."""
        raise NotImplementedError

    # The add form -------------------------------------------------------------------------------

    def save_form(self, request: HttpRequest, form: ModelForm, change: bool) -> Model:
        if change:
            return super().save_form(request, form, change)
        obj, secret = self.create_with_secret(request, form)
        self.keep_secret(request, obj, secret)
        return obj

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        if change:  # an added object was saved by its create service
            super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool) -> None:
        if change:
            super().save_related(request, form, formsets, change)

    def response_add(self, request: HttpRequest, obj: Model, post_url_continue: str | None = None) -> HttpResponse:
        return self.redirect_to_secret(obj)

    # The secret ---------------------------------------------------------------------------------

    def session_key(self, obj: Model) -> str:
        return f"shown_once:{self.opts.label_lower}:{obj.pk}"

    def keep_secret(self, request: HttpRequest, obj: Model, secret: str) -> None:
        request.session[self.session_key(obj)] = secret

    def redirect_to_secret(self, obj: Model) -> HttpResponseRedirect:
        return HttpResponseRedirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_secret", args=[obj.pk])
        )

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}_secret"
        view = self.admin_site.admin_view(self.secret_view)
        return [path("<path:object_id>/secret/", view, name=name), *super().get_urls()]

    def secret_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404
        secret = request.session.pop(self.session_key(obj), None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": obj,
            "shown": secret is not None,
            "change_label": self.change_label,
            "again": self.lost_hint,
            **(self.shown_once_context(request, obj, secret) if secret is not None else {}),
        }
        response = TemplateResponse(request, self.shown_once_template, context)
        add_never_cache_headers(response)
        return response
