"""The call log's chart of calls and failures per day, laid out as SVG geometry (no script, no CDN)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from gptcalllog.selectors import DayCount

WIDTH = 600
HEIGHT = 120  # the bars' area; the day labels go below it
GAP = 2


@dataclass(frozen=True)
class Bar:
    day: date
    calls: int
    failures: int
    x: str
    width: str
    calls_y: str
    calls_height: str
    failures_y: str
    failures_height: str
    href: str  # the day's calls in the list


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    peak: int  # the calls of the busiest day, the top of the scale
    calls: int
    failures: int
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def labels(self) -> list[tuple[str, str, Bar]]:
        """(x, text-anchor, bar) of the first, middle and last day's labels, kept inside the chart."""
        if not self.bars:
            return []
        first, middle, last = self.bars[0], self.bars[len(self.bars) // 2], self.bars[-1]
        return [
            (first.x, "start", first),
            (_number(float(middle.x) + float(middle.width) / 2), "middle", middle),
            (_number(float(last.x) + float(last.width)), "end", last),
        ]


def _number(value: float) -> str:
    # Plain dots whatever the page's language: these are SVG coordinates.
    return f"{value:.1f}"


def day_chart(days: list[DayCount], *, link: Callable[[date], str]) -> Chart:
    peak = max((day.calls for day in days), default=0)
    slot = WIDTH / max(len(days), 1)
    bars = []
    for index, day in enumerate(days):
        calls_height = HEIGHT * day.calls / peak if peak else 0
        failures_height = HEIGHT * day.failures / peak if peak else 0
        bars.append(
            Bar(
                day=day.day,
                calls=day.calls,
                failures=day.failures,
                x=_number(index * slot + GAP / 2),
                width=_number(slot - GAP),
                calls_y=_number(HEIGHT - calls_height),
                calls_height=_number(calls_height),
                failures_y=_number(HEIGHT - failures_height),
                failures_height=_number(failures_height),
                href=link(day.day),
            )
        )
    return Chart(
        bars=bars,
        peak=peak,
        calls=sum(day.calls for day in days),
        failures=sum(day.failures for day in days),
    )
