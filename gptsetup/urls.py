from __future__ import annotations

from django.urls import path

from gptsetup import views

urlpatterns = [
    path("", views.home, name="home"),
    path("api/schema/", views.ActionSchemaView.as_view(), name="schema"),
    path("api/docs/", views.SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", views.RedocView.as_view(url_name="schema"), name="redoc"),
    path("privacy/", views.privacy_policy, name="privacy"),
]
