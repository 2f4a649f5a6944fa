"""The PKCE policy, importable from settings (no model imports at module level)."""

from __future__ import annotations


def pkce_required(client_id: str) -> bool:
    """PKCE_REQUIRED for django-oauth-toolkit: required for public clients only.

    GPT Actions are confidential clients and send no code_challenge. Whenever a client does send one,
    oauthlib enforces it at the token endpoint whatever this returns (S256 only, see GptServer).
    """
    from oauth2_provider.models import get_application_model

    application = get_application_model()
    client_type = application.objects.filter(client_id=client_id).values_list("client_type", flat=True).first()
    # An unknown client fails elsewhere; requiring PKCE for it is the safe answer meanwhile.
    return client_type != application.CLIENT_CONFIDENTIAL
