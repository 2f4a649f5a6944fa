from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import get_application_model

from oauthconsent.callback_urls import EXAMPLE_CALLBACK, callback_urls_clean


class CallbackUrlsField(forms.CharField):
    """One callback URL per line in the form; space-separated in Application.redirect_uris."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 80, "spellcheck": "false"})

    def prepare_value(self, value: object) -> object:
        return "\n".join(value.split()) if isinstance(value, str) else value

    def to_python(self, value: object) -> str:
        return " ".join(callback_urls_clean(str(value or "").split()))


class GptClientForm(forms.ModelForm):
    redirect_uris = CallbackUrlsField(
        label=_("Callback URLs"),
        required=False,
        help_text=_(
            "The Callback URL the GPT editor shows under Authentication once the Action is saved, like "
            "https://chatgpt.com/aip/g-…/oauth/callback. One per line. A GPT callback on chatgpt.com or "
            "chat.openai.com is registered on both hosts. Other https URLs are accepted too; http only for "
            "localhost and 127.0.0.1."
        ),
    )

    class Meta:
        model = get_application_model()
        fields = ["name", "redirect_uris", "user"]
        labels = {"name": _("GPT name"), "user": _("Owner")}
        help_texts = {
            "name": _("Shown on the consent page, as in “Recipe GPT wants to use your account”."),
            "user": _("Optional: the person responsible for this GPT."),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True

    def clean_redirect_uris(self) -> str:
        redirect_uris = self.cleaned_data["redirect_uris"]
        # A new client may wait for its callback (the GPT editor shows it only after the client ID
        # and secret are saved there); once it exists, the flow cannot work without one.
        if self.instance.pk and not redirect_uris:
            raise ValidationError(
                _("Paste the GPT's Callback URL, like %(example)s."),
                params={"example": EXAMPLE_CALLBACK},
                code="required",
            )
        return redirect_uris

    def add_error(self, field: str | None, error: ValidationError | str | dict) -> None:
        # Application.clean() repeats, in its own words, a missing callback clean_redirect_uris
        # already explained: keep ours only.
        if field is None and isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            if "redirect_uris" in self.errors:
                remaining = {name: errors for name, errors in error.error_dict.items() if name != "redirect_uris"}
                if not remaining:
                    return
                error = ValidationError(remaining)
        super().add_error(field, error)
