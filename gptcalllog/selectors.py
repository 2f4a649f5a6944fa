from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Max, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from oauth2_provider.models import get_application_model

from gptactions.calls import CLIENT, KEY
from gptactions.models import ApiKey
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
    """Calls and failures (status 400 and above) for each of the last `days` days, today last, zeros included.

    A row counts as the calls it stands for (Call.count: unauthenticated calls are counted per address and minute).
    """
    start = first_day(days, today=today)
    counted = {
        row["day"]: row
        for row in calls.filter(at__gte=start_of(start))
        .annotate(day=TruncDate("at"))
        .values("day")
        .annotate(calls=Sum("count"), failures=Sum("count", filter=FAILED, default=0))
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
        .annotate(count=Sum("count"), last_at=Max("at"))
        .order_by("-count", "-last_at")[:limit]
    )
    return [CommonError(**row) for row in rows]


def credentials_in_log(calls: QuerySet[Call]) -> list[tuple[str, str, str]]:
    """(kind, id, name) of each API key and GPT client that exists and has calls in the log, by kind and name.

    What exists, not what was sent: a caller can send any number of well-formed keys that match none, and
    each refused one is in the log under its prefix (issue 21, finding 3). So at most one choice per key
    and client in their own tables, named as they are named now.
    """
    Application = get_application_model()
    keys = ApiKey.objects.filter(
        prefix__in=calls.filter(credential_kind=KEY).values("credential_id").distinct()
    ).values_list("prefix", "name")
    clients = Application.objects.filter(
        client_id__in=calls.filter(credential_kind=CLIENT).values("credential_id").distinct()
    ).values_list("client_id", "name")
    found = [(KEY, prefix, name) for prefix, name in keys] + [(CLIENT, client_id, name) for client_id, name in clients]
    return sorted(found, key=lambda c: (c[0], c[2], c[1]))


def calls_after(call_id: int, *, failures_only: bool = False) -> QuerySet[Call]:
    """Calls written after the one with this id, oldest first (what `calls --follow` prints next)."""
    calls = Call.objects.filter(id__gt=call_id).order_by("id")
    return calls.filter(FAILED) if failures_only else calls
