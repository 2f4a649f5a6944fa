"""Admin pages that show a new secret once, reached by POST-redirect-GET (API keys, GPT clients' secrets).

The add form's POST creates the object through its app's create service; the redirect's GET shows the
raw secret. Between the two it is in no database row as such (issue 21, finding 7): the session keeps it
encrypted with a key of its own, and that key goes to the browser alone, as a cookie scoped to the page's
path that lives SHOWN_ONCE_SECONDS. The GET pops the ciphertext and deletes the cookie; a session row left
behind (the redirect never followed) holds ciphertext whose key is gone within minutes. A reload finds
nothing to show and says so: it never creates a second secret, and the secret is in no URL, message or log.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.contrib.admin.utils import unquote
from django.db.models import Model
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.cache import add_never_cache_headers

SHOWN_ONCE_SECONDS = 300  # from the add form's POST to the page that shows the secret


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
        return self.redirect_to_secret(request, obj)

    # The secret ---------------------------------------------------------------------------------

    def session_key(self, obj: Model) -> str:
        return f"shown_once:{self.opts.label_lower}:{obj.pk}"

    def cookie_name(self, obj: Model) -> str:
        return f"shown_once_{self.opts.app_label}_{self.opts.model_name}_{obj.pk}"

    def keep_secret(self, request: HttpRequest, obj: Model, secret: str) -> None:
        """The secret encrypted in the session; its key waits on the request for redirect_to_secret's cookie."""
        key = Fernet.generate_key()
        request.session[self.session_key(obj)] = Fernet(key).encrypt(secret.encode()).decode()
        request.shown_once_key = key.decode()

    def redirect_to_secret(self, request: HttpRequest, obj: Model) -> HttpResponseRedirect:
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_secret", args=[obj.pk])
        response = HttpResponseRedirect(url)
        key = getattr(request, "shown_once_key", None)
        if key is not None:
            response.set_cookie(
                self.cookie_name(obj),
                key,
                max_age=SHOWN_ONCE_SECONDS,
                path=url,
                secure=request.is_secure(),
                httponly=True,
                samesite="Strict",
            )
        return response

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}_secret"
        view = self.admin_site.admin_view(self.secret_view)
        return [path("<path:object_id>/secret/", view, name=name), *super().get_urls()]

    def secret_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404
        secret = self.pop_secret(request, obj)
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
        response.delete_cookie(self.cookie_name(obj), path=request.path, samesite="Strict")
        add_never_cache_headers(response)
        return response

    def pop_secret(self, request: HttpRequest, obj: Model) -> str | None:
        """The secret kept for obj, once: None when shown already, expired, or its cookie is not this browser's."""
        token = request.session.pop(self.session_key(obj), None)
        key = request.COOKIES.get(self.cookie_name(obj))
        if token is None or key is None:
            return None
        try:
            return Fernet(key.encode()).decrypt(token.encode(), ttl=SHOWN_ONCE_SECONDS).decode()
        except (InvalidToken, ValueError):
            return None
