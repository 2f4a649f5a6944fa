"""The REST routes of every registered resource (gptactions.site): path("", include("gptactions.urls"))."""

from __future__ import annotations

from gptactions.registry import site

urlpatterns = site.urls
