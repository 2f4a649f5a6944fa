from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from gptcalllog.models import Call

FAILED = Q(status__gte=400)


@dataclass(frozen=True)
class DayCount:
    day: date
    calls: int
    failures: int


@dataclass(frozen=True)
class CommonError:
    status: int
    operation_id: str
    error: str
    count: int
    last_at: datetime


def first_day(days: int, *, today: date | None = None) -> date:
    return (today or timezone.localdate()) - timedelta(days=days - 1)


def start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def calls_per_day(calls: QuerySet[Call], *, days: int = 30, today: date | None = None) -> list[DayCount]:
    """Calls and failures (status 400 and above) for each of the last `days` days, today last, zeros included."""
    start = first_day(days, today=today)
    counted = {
        row["day"]: row
        for row in calls.filter(at__gte=start_of(start))
        .annotate(day=TruncDate("at"))
        .values("day")
        .annotate(calls=Count("id"), failures=Count("id", filter=FAILED))
        .order_by()
    }
    return [
        DayCount(day, counted[day]["calls"], counted[day]["failures"]) if day in counted else DayCount(day, 0, 0)
        for day in (start + timedelta(days=n) for n in range(days))
    ]


def common_errors(calls: QuerySet[Call], *, since: date, limit: int = 5) -> list[CommonError]:
    """The most frequent failures since a day: same status, operation and message, most first."""
    rows = (
        calls.filter(FAILED, at__gte=start_of(since))
        .values("status", "operation_id", "error")
        .annotate(count=Count("id"), last_at=Max("at"))
        .order_by("-count", "-last_at")[:limit]
    )
    return [CommonError(**row) for row in rows]


def credentials_seen(calls: QuerySet[Call]) -> list[tuple[str, str, str]]:
    """(kind, id, name) of every key and GPT client in the log, the latest name for each."""
    latest: dict[tuple[str, str], str] = {}
    for row in (
        calls.exclude(credential_id="")
        .values("credential_kind", "credential_id", "credential_name")
        .annotate(last=Max("at"))
        .order_by("last")
    ):
        latest[(row["credential_kind"], row["credential_id"])] = row["credential_name"]
    return sorted(((kind, cid, name) for (kind, cid), name in latest.items()), key=lambda c: (c[0], c[2], c[1]))


def calls_after(call_id: int, *, failures_only: bool = False) -> QuerySet[Call]:
    """Calls written after the one with this id, oldest first (what `calls --follow` prints next)."""
    calls = Call.objects.filter(id__gt=call_id).order_by("id")
    return calls.filter(FAILED) if failures_only else calls
