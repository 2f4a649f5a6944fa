from __future__ import annotations

from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.db.models.signals import post_save


class OauthconsentConfig(AppConfig):
    name = "oauthconsent"
    verbose_name = "OAuth consent"

    def ready(self) -> None:
        from oauthconsent import checks  # noqa: F401  (registers the system checks)
        from oauthconsent.receivers import revoke_tokens_of_deactivated_user

        post_save.connect(revoke_tokens_of_deactivated_user, sender=get_user_model(), dispatch_uid="oauthconsent")
