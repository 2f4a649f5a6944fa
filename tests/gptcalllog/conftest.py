from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from gptactions.calls import Credential
from gptcalllog.recorder import flush, record_call


@pytest.fixture
def log_call() -> Callable[..., None]:
    """Records one call through the recorder (the front doors' own function), `days_ago` days back, and writes it."""

    def record(
        *,
        days_ago: int = 0,
        status: int = 200,
        operation_id: str = "getItem",
        credential: Credential | None = None,
        error: str = "",
        at: datetime | None = None,
    ) -> None:
        record_call(
            door="api",
            method="GET",
            path="/items/1",
            status=status,
            latency_ms=3.5,
            operation_id=operation_id,
            auth_style="custom",
            credential=credential,
            error=error,
            at=at or timezone.now() - timedelta(days=days_ago),
        )
        flush()

    return record
