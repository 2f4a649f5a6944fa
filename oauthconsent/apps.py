from __future__ import annotations

from django.apps import AppConfig


class OauthconsentConfig(AppConfig):
    name = "oauthconsent"
    verbose_name = "OAuth consent"
