from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PrivacyPolicy(models.Model):
    """The text of /privacy/. The newest one is shown; without any, a default text is."""

    text = models.TextField(
        _("text"),
        help_text=_(
            "Plain text. A blank line starts a new paragraph; lines starting with “- ” make a list; a short first "
            "line without a full stop is a heading; web addresses become links."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("privacy policy")
        verbose_name_plural = _("privacy policy")
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return str(_("Privacy policy"))


class GptActionSetup(models.Model):
    """No table: gives the "GPT Action setup" page its place in the admin index (as django-constance does)."""

    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = _("GPT Action setup")
        verbose_name_plural = _("GPT Action setup")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
