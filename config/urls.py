from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from oauth2_provider import urls as oauth2_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("items.urls")),
    path("", include("gptsetup.urls")),
    # DOT's base endpoints only: its application-management views would let any user register clients.
    path("oauth/", include((oauth2_urls.base_urlpatterns, "oauth2_provider"))),
]

handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"
