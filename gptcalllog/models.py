from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Call(models.Model):
    """One call a GPT (or another client) made: who, what, how it ended. Never a secret, token or body.

    The key, client and user are stored as labels, not foreign keys, so that a row outlives them and a
    batch insert never fails on a row deleted meanwhile.

    A call no one was authenticated for (a 401, a 429 of the failed-key limit) is counted, not kept one
    row each: one row per client address, minute and outcome stands for `count` such calls, with the
    first one's path, operation and message (gptcalllog.recorder). Every other row is one call.
    """

    class Door(models.TextChoices):
        API = "api", _("REST API")
        MCP = "mcp", _("MCP")

    class CredentialKind(models.TextChoices):
        KEY = "key", _("API key")
        CLIENT = "client", _("GPT client")

    at = models.DateTimeField(_("time"), db_index=True)
    door = models.CharField(_("door"), max_length=10, choices=Door.choices, default=Door.API)
    auth_style = models.CharField(_("auth style"), max_length=20, blank=True)
    credential_kind = models.CharField(max_length=10, choices=CredentialKind.choices, blank=True)
    # An API key's prefix (gpta_ and 8 characters, as the admin shows it) or an OAuth client_id.
    credential_id = models.CharField(max_length=100, blank=True)
    credential_name = models.CharField(max_length=200, blank=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    username = models.CharField(_("user"), max_length=150, blank=True)
    method = models.CharField(_("method"), max_length=10)
    operation_id = models.CharField(_("operation"), max_length=100, blank=True)
    path = models.CharField(_("path"), max_length=300)
    status = models.PositiveSmallIntegerField(_("status"))
    latency_ms = models.FloatField(_("latency (ms)"))
    # The server's own error message (a 4xx/5xx `detail`, or the invalid fields and their messages).
    error = models.CharField(_("error"), max_length=300, blank=True)
    # ChatGPT's openai-conversation-id, openai-ephemeral-user-id and openai-gpt-id headers.
    conversation_id = models.CharField(_("conversation"), max_length=100, blank=True)
    ephemeral_user_id = models.CharField(_("ChatGPT user"), max_length=100, blank=True)
    gpt_id = models.CharField(_("GPT"), max_length=100, blank=True)
    # How many calls the row stands for: 1, or the unauthenticated calls of one address in one minute.
    count = models.PositiveIntegerField(_("calls"), default=1)
    # The client's address (django-axes' rule) of unauthenticated calls only; empty for the others.
    client_address = models.CharField(_("client address"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"

    @property
    def failed(self) -> bool:
        return self.status >= 400

    @property
    def credential(self) -> str:
        """`Recipe GPT (client abc123)` or `demo key (gpta_AbCd1234…)`; empty when none was recognised."""
        if not self.credential_id:
            return ""
        if self.credential_kind == self.CredentialKind.KEY:
            shown = f"{self.credential_id}…"
        else:
            shown = _("client %(id)s") % {"id": self.credential_id[:12]}
        return f"{self.credential_name} ({shown})" if self.credential_name else shown
