"""/mcp builds the SDK's OpenTelemetry span per message only when a tracer provider is installed (gptmcp.tracing)."""

from __future__ import annotations

import mcp.shared._otel
import pytest
from opentelemetry import trace
from rest_framework.test import APIClient

from tests.factories import make_api_key, make_item, make_user
from tests.helpers.mcp import post_rpc

pytestmark = pytest.mark.django_db


class RecordingTracer(trace.NoOpTracer):
    def __init__(self) -> None:
        self.spans: list[tuple[str, dict]] = []

    def start_as_current_span(self, name, *args, **kwargs):
        self.spans.append((name, dict(kwargs.get("attributes") or {})))
        return super().start_as_current_span(name, *args, **kwargs)


class RecordingProvider(trace.TracerProvider):
    def __init__(self) -> None:
        self.tracer = RecordingTracer()

    def get_tracer(self, *args, **kwargs) -> RecordingTracer:
        return self.tracer


@pytest.fixture
def tracer(monkeypatch: pytest.MonkeyPatch) -> RecordingTracer:
    """Every span the SDK starts, recorded; no tracer provider installed unless a test sets one."""
    recording = RecordingTracer()
    monkeypatch.setattr(mcp.shared._otel, "_tracer", recording)
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", None)
    monkeypatch.delenv("OTEL_PYTHON_TRACER_PROVIDER", raising=False)
    return recording


def call_get_item() -> dict:
    alice = make_user("alice")
    authorization = f"Bearer {make_api_key(alice)[1]}"
    item = make_item(alice, name="Traced")
    call = {"name": "get_item", "arguments": {"id": item.pk}}
    response = post_rpc(APIClient(), "tools/call", call, HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 200
    return response.json()["result"]


def test_no_span_is_built_without_a_tracer_provider(tracer):
    assert call_get_item()["structuredContent"]["name"] == "Traced"
    assert tracer.spans == []


def test_each_message_is_a_span_once_a_tracer_provider_is_installed(tracer, monkeypatch):
    provider = RecordingProvider()
    provider.tracer = tracer
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", provider)

    assert call_get_item()["structuredContent"]["name"] == "Traced"
    assert [name for name, _ in tracer.spans] == ["tools/call get_item"]
    attributes = tracer.spans[0][1]
    assert attributes["mcp.method.name"] == "tools/call"
    assert attributes["gen_ai.tool.name"] == "get_item"
