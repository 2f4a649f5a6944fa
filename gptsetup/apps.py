from __future__ import annotations

from django.apps import AppConfig


class GptsetupConfig(AppConfig):
    name = "gptsetup"
    verbose_name = "GPT setup"

    def ready(self) -> None:
        from gptsetup import checks  # noqa: F401  (registers the GPT Action lint as system checks)
