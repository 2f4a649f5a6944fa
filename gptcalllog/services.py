from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from gptcalllog.models import Call


def calls_prune(*, days: int) -> int:
    """Deletes the calls older than `days` days; returns how many."""
    deleted, _ = Call.objects.filter(at__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted
