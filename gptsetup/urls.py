from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularSwaggerView

from gptsetup import views

urlpatterns = [
    path("", views.home, name="home"),
    path("api/schema/", views.ActionSchemaView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", views.RedocView.as_view(url_name="schema"), name="redoc"),
    path("privacy/", views.privacy_policy, name="privacy"),
]
