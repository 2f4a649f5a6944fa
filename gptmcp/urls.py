from __future__ import annotations

from django.urls import path

from gptmcp import pages
from gptmcp.metadata import McpResourceMetadataView
from gptmcp.views import McpView

app_name = "gptmcp"

urlpatterns = [
    path("mcp", McpView.as_view(), name="mcp"),
    # RFC 9728 section 3.1: the resource's path after the well-known prefix.
    path(".well-known/oauth-protected-resource/mcp", McpResourceMetadataView.as_view(), name="resource-metadata"),
    # ChatGPT app submission: OpenAI's domain verification token.
    path(".well-known/openai-apps-challenge", pages.openai_apps_challenge, name="openai-apps-challenge"),
    # The page a search or fetch result's url opens (the signed-in owner only).
    path("documents/<slug:prefix>/<str:pk>/", pages.document_page, name="document"),
]
