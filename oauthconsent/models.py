from __future__ import annotations

from django.db import models


class RedeemedCode(models.Model):
    """An authorization code already exchanged, remembered so that a replay revokes what it issued.

    RFC 6749 section 10.5 and RFC 9700 section 4.5: a code used twice means it leaked. DOT deletes the
    grant on exchange, so the code's SHA-256 and the token family it started stay here instead, until
    `expires`; `manage.py cleartokens` prunes the rest.
    """

    code_checksum = models.CharField(max_length=64, unique=True)
    token_family = models.UUIDField(null=True)
    expires = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"RedeemedCode #{self.pk}"
