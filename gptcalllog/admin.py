from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gptcalllog.chart import day_chart
from gptcalllog.conf import conf
from gptcalllog.models import Call
from gptcalllog.selectors import FAILED, calls_per_day, common_errors, credentials_in_log, first_day

CHART_DAYS = 30
STATUS_CLASSES = {
    "2xx": (200, 299),
    "3xx": (300, 399),
    "4xx": (400, 499),
    "5xx": (500, 599),
}


class CredentialFilter(admin.SimpleListFilter):
    title = _("GPT client or key")
    parameter_name = "credential"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            (
                f"{kind}:{credential_id}",
                Call(credential_kind=kind, credential_id=credential_id, credential_name=name).credential,
            )
            for kind, credential_id, name in credentials_in_log(Call.objects.all())
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Call]) -> QuerySet[Call]:
        return of_credential(queryset, self.value())


def of_credential(calls: QuerySet[Call], value: str | None) -> QuerySet[Call]:
    """The calls of one key or GPT client, given as `kind:id` (the filter's value); all for None."""
    if not value:
        return calls
    kind, _sep, credential_id = value.partition(":")
    return calls.filter(credential_kind=kind, credential_id=credential_id)


class StatusClassFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("failed", _("Failed (4xx and 5xx)")), *((name, name) for name in STATUS_CLASSES)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Call]) -> QuerySet[Call]:
        value = self.value()
        if value == "failed":
            return queryset.filter(FAILED)
        if value in STATUS_CLASSES:
            low, high = STATUS_CLASSES[value]
            return queryset.filter(status__gte=low, status__lte=high)
        return queryset


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    """What the GPTs called, and why calls failed: read-only, the newest first, a chart of 30 days on top."""

    list_display = ["when", "status_badge", "operation", "who", "latency", "error"]
    list_display_links = ["when"]
    list_filter = [CredentialFilter, StatusClassFilter, "auth_style", "door"]
    date_hierarchy = "at"
    search_fields = ["path", "operation_id", "error", "username", "conversation_id", "gpt_id"]
    list_per_page = 50
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Call | None = None) -> bool:
        return False

    @admin.display(description=_("time"), ordering="at")
    def when(self, call: Call) -> str:
        at = timezone.localtime(call.at)
        return format_html('{}<div class="call-detail">{}</div>', at.strftime("%H:%M:%S"), at.strftime("%Y-%m-%d"))

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, call: Call) -> str:
        badge = format_html('<span class="call-status {}">{}</span>', "failed" if call.failed else "ok", call.status)
        if call.count == 1:
            return badge
        # Unauthenticated calls counted per address and minute (gptcalllog.recorder).
        return format_html('{}<div class="call-detail call-count">x {}</div>', badge, call.count)

    @admin.display(description=_("operation"), ordering="operation_id")
    def operation(self, call: Call) -> str:
        return format_html('{}<div class="call-detail">{} {}</div>', call.operation_id or "—", call.method, call.path)

    @admin.display(description=_("GPT client or key"), ordering="credential_name")
    def who(self, call: Call) -> str:
        detail = " · ".join(part for part in (call.auth_style, call.username, call.client_address) if part)
        return format_html('{}<div class="call-detail">{}</div>', call.credential or "—", detail)

    @admin.display(description=_("latency"), ordering="latency_ms")
    def latency(self, call: Call) -> str:
        return f"{call.latency_ms:.1f} ms"

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        # The chart follows the GPT client or key chosen, never the day or status: it is the overview.
        calls = of_credential(Call.objects.all(), request.GET.get(CredentialFilter.parameter_name))
        days = calls_per_day(calls, days=CHART_DAYS)
        kept = {name: value for name, value in request.GET.items() if not name.startswith("at__") and name != "p"}

        def day_link(day: date) -> str:
            return "?" + urlencode({**kept, "at__year": day.year, "at__month": day.month, "at__day": day.day})

        extra_context = {
            "title": _("What your GPTs called"),
            **(extra_context or {}),
            "chart": day_chart(days, link=day_link),
            "chart_days": CHART_DAYS,
            "common_errors": common_errors(calls, since=first_day(CHART_DAYS)),
            "call_log_on": conf.CALL_LOG,
        }
        return super().changelist_view(request, extra_context)
