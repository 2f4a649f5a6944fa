"""Changes saved in this process evict what gptactions.credential_cache remembers, at once.

Other processes see them when their entries expire (API_AUTH_CACHE_SECONDS).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from oauth2_provider.models import get_access_token_model

from gptactions import credential_cache
from gptactions.models import ApiKey


@receiver([post_save, post_delete], sender=ApiKey)
def forget_api_key(sender: type, instance: ApiKey, **kwargs: Any) -> None:
    credential_cache.api_keys.evict(lambda api_key: api_key.pk == instance.pk)


@receiver([post_save, post_delete], sender=get_access_token_model())
def forget_access_token(sender: type, instance: Any, **kwargs: Any) -> None:
    credential_cache.access_tokens.evict(lambda token: token.pk == instance.pk)


@receiver([post_save, post_delete], sender=get_user_model())
def forget_users_credentials(sender: type, instance: Any, **kwargs: Any) -> None:
    credential_cache.api_keys.evict(lambda api_key: api_key.value("user_id") == instance.pk)
    credential_cache.access_tokens.evict(lambda token: token.value("user_id") == instance.pk)
