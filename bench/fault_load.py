"""Load for the fault runs: Python threads on keep-alive loopback connections, every answer kept with its time.

An outcome is the status, or `refused` (no connection: nothing was sent), or `unknown` (the request went out and
the connection dropped before an answer: it may or may not have been carried out).
"""

from __future__ import annotations

import http.client
import itertools
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

Request = tuple[str, str, dict[str, str], bytes | None, str]  # method, path, headers, body, label (e.g. a title)


@dataclass
class Outcome:
    at: float  # time.monotonic() when the answer (or the failure) came
    kind: str  # GET, POST, MCP, ...
    status: int | str
    label: str = ""
    body: bytes = b""


@dataclass
class Load:
    """Threads sending requests from make_request until stop(); pace: seconds between a thread's requests."""

    port: int
    make_request: Callable[[int, int], tuple[str, Request]]  # (thread, sequence) -> (kind, request)
    threads: int = 8
    pace: float = 0.0
    keep_bodies: bool = False
    reconnect_every: int = 0  # a new connection after this many requests (0: keep one), so every worker gets some
    outcomes: list[Outcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(self.threads)]

    def start(self) -> Load:
        self.started = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> list[Outcome]:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        return self.outcomes

    def _run(self, number: int) -> None:
        connection = None
        next_at = time.monotonic() + random.random() * self.pace
        for sequence in itertools.count():
            if self._stop.is_set():
                break
            if self.pace:
                delay = next_at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                next_at = max(next_at + self.pace, time.monotonic() - self.pace)
            kind, (method, path, headers, body, label) = self.make_request(number, sequence)
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
                try:
                    connection.connect()
                except OSError:
                    connection = None
                    self.outcomes.append(Outcome(time.monotonic(), kind, "refused", label))
                    time.sleep(0.05)
                    continue
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                content = response.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = None
                self.outcomes.append(Outcome(time.monotonic(), kind, "unknown", label))
                continue
            kept = content if self.keep_bodies or response.status >= 500 else b""
            self.outcomes.append(Outcome(time.monotonic(), kind, response.status, label, kept))
            renew = self.reconnect_every and sequence % self.reconnect_every == self.reconnect_every - 1
            if renew or response.getheader("connection", "").lower() == "close":
                connection.close()
                connection = None
        if connection is not None:
            connection.close()


def status_class(status: int | str) -> str:
    return status if isinstance(status, str) else f"{status // 100}xx"


def per_second(outcomes: list[Outcome], start: float, events: dict[float, str]) -> str:
    """A table of outcome classes per second since start, with the events (time -> name) marked on their second."""
    classes = sorted({status_class(o.status) for o in outcomes}, key=lambda c: (not c[0].isdigit(), c))
    by_second: dict[int, Counter] = {}
    for outcome in outcomes:
        by_second.setdefault(int(outcome.at - start), Counter())[status_class(outcome.status)] += 1
    marks: dict[int, list[str]] = {}
    for at, name in events.items():
        marks.setdefault(int(at - start), []).append(name)
    rows = [["s", *classes, "event"]]
    for second in range(min(by_second, default=0), max(by_second, default=-1) + 1):
        counts = by_second.get(second, Counter())
        rows.append([str(second), *(str(counts[c]) for c in classes), ", ".join(marks.get(second, []))])
    return table(rows)


def table(rows: list[list[str]]) -> str:
    widths = [max(len(row[n]) for row in rows) for n in range(len(rows[0]))]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def counts(outcomes: list[Outcome]) -> str:
    found = Counter(str(o.status) for o in outcomes)
    return ", ".join(f"{status}: {number:,}" for status, number in sorted(found.items()))


def longest_gap(outcomes: list[Outcome], start: float, end: float, ok: Callable[[Outcome], bool]) -> float:
    """The longest time between two good answers (or from start/to end) within [start, end]."""
    times = sorted(o.at for o in outcomes if ok(o) and start <= o.at <= end)
    edges = [start, *times, end]
    return max(b - a for a, b in itertools.pairwise(edges))


def json_body(value: object) -> bytes:
    return json.dumps(value).encode()
