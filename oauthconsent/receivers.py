"""Signal receivers, connected in OauthconsentConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from oauthconsent.services import user_tokens_revoke


def revoke_tokens_of_deactivated_user(sender: type, instance: AbstractBaseUser, **kwargs: Any) -> None:
    # Saving an inactive user (an admin unticking "Active") ends every OAuth connection it has.
    if not instance.is_active:
        user_tokens_revoke(user=instance)
