from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("items.urls")),
]

handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"
