"""The call log's writer: record_call() adds a call from any front door (REST routes, MCP tools) to the log.

A call costs its caller one append to a per-process buffer: a REST call appends its raw pieces
(gptactions.calls.RestCall), whose labels and message are worked out when the batch is written. Calls are
written together with one prepared INSERT (an insert per request would cost the API more than the 10% its
benchmark allows; bench/call_log_cost.py measures what recording and writing add):
- as soon as CALL_LOG_BATCH_SIZE calls wait, by the thread whose request filled the batch, once its response
  has been handed to the server (Django's request_finished: the caller that filled it doesn't wait for it);
- every CALL_LOG_FLUSH_SECONDS, by a background thread, whatever waits (a quiet server, calls recorded outside
  a request);
- at exit.
Not the background thread for full batches: under load it waited for the GIL the request threads held, and
the hand-overs (a context switch per call) cost more than the write itself. Measured in process
(bench/call_log_cost.py --latency, the rate with the log on against off): 0.90 with the background thread
writing every batch, 0.94 now; the callers' p99 is the same with the log on and off.
CALL_LOG_FLUSH_SECONDS=0 writes each call as it is recorded, in the caller's thread.

Bounded by design (issue 21, finding 2): anyone can make calls no one is authenticated for, so those are
counted, not stored one row each. The writer keeps one row per client address, minute and outcome (door,
status, auth style, key prefix) and adds to its `count`; past CALL_LOG_ANONYMOUS_ROWS_PER_MINUTE such rows
in a minute, the rest of the minute's are counted in one row per door and status with no address. So a
server process adds at most that many rows a minute plus one per status for unauthenticated calls,
however many arrive; every authenticated call keeps its own row. The background thread also deletes the calls
older than CALL_LOG_DAYS, within CALL_LOG_FLUSH_SECONDS of the first call and then at most once an hour (one
indexed DELETE), never on a request's thread; flush() prunes too when it is time.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from oauth2_provider.models import AbstractAccessToken

from gptactions.calls import OPENAI_HEADERS, REST, Credential, RestCall
from gptactions.models import ApiKey
from gptactions.unavailable import DATABASE_ERRORS, first_line
from gptcalllog.conf import conf
from gptcalllog.models import Call
from gptcalllog.services import calls_prune

logger = logging.getLogger(__name__)


def record_call(
    *,
    door: str,
    method: str,
    path: str,
    status: int,
    latency_ms: float,
    operation_id: str = "",
    auth_style: str = "",
    credential: Credential | None = None,
    user: AbstractBaseUser | AnonymousUser | None = None,
    error: str = "",
    openai: Mapping[str, str] | None = None,
    at: datetime | None = None,
    client_address: str | None = None,
) -> None:
    """Adds one call to the log (written within CALL_LOG_FLUSH_SECONDS); does nothing when CALL_LOG is off.

    door is "api" or "mcp"; operation_id the schema's operationId or the MCP tool's name; error the
    server's own message for a failure; openai what openai_ids() found in the request's headers;
    client_address the caller's address (axes.helpers.get_client_ip_address) when user is None.
    """
    if not conf.CALL_LOG:
        return
    _buffer.add(
        {
            "at": at or timezone.now(),
            "door": door,
            "auth_style": auth_style,
            "credential": credential,
            "user": user,
            "method": method,
            "operation_id": operation_id,
            "path": path,
            "status": status,
            "latency_ms": latency_ms,
            "error": error,
            "openai": openai,
            "client_address": client_address,
        }
    )


class CallLog:
    """record_call as gptactions.calls' recorder (connected in CallLogConfig.ready)."""

    @property
    def enabled(self) -> bool:
        return conf.CALL_LOG

    def __call__(self, **call: Any) -> None:
        record_call(**call)

    def record_rest_call(self, call: RestCall) -> None:
        if conf.CALL_LOG:
            _buffer.add(call)


call_log = CallLog()


def flush() -> int:
    """Writes the calls waiting in this process now; returns how many."""
    return _buffer.flush()


def discard() -> int:
    """Forgets the calls waiting in this process (a test's teardown); returns how many."""
    return _buffer.discard()


def _printable(value: str, max_length: int) -> str:
    # Header values and paths come from the client: no control characters reach a terminal (`calls --follow`).
    value = str(value)
    if not value.isprintable():
        value = "".join(char for char in value if char.isprintable())
    return value[:max_length]


# While it makes calls into rows (~3 µs each), the background writer lets a request thread waiting for the GIL
# have it every ROWS_BETWEEN_YIELDS calls (~150 µs), not up to sys.getswitchinterval() (5 ms) later; the
# INSERT lets it go at each row.
ROWS_BETWEEN_YIELDS = 50
PRUNE_EVERY_SECONDS = 3600

MAX_LENGTH = {field.name: field.max_length for field in Call._meta.local_fields if field.max_length}


def _row(call: dict[str, Any], *, count: int = 1, client_address: str = "") -> tuple[Any, ...]:
    """The values of one call, in the order of ROW_COLUMNS."""
    credential: Credential | None = call["credential"]
    user = call["user"]
    openai = call["openai"] or {}
    return (
        call["at"],
        call["door"],
        call["auth_style"],
        credential.kind if credential else "",
        _printable(credential.id, MAX_LENGTH["credential_id"]) if credential else "",
        _printable(credential.name, MAX_LENGTH["credential_name"]) if credential else "",
        user.pk if user is not None else None,
        _printable(user.get_username(), MAX_LENGTH["username"]) if user is not None else "",
        _printable(call["method"], MAX_LENGTH["method"]),
        _printable(call["operation_id"], MAX_LENGTH["operation_id"]),
        _printable(call["path"], MAX_LENGTH["path"]),
        call["status"],
        round(call["latency_ms"], 2),
        _printable(call["error"], MAX_LENGTH["error"]),
        *(_printable(openai.get(field, ""), MAX_LENGTH[field]) for field in OPENAI_HEADERS),
        count,
        _printable(client_address, MAX_LENGTH["client_address"]),
    )


_LABELLED = (ApiKey, AbstractAccessToken)  # the credentials gptactions.calls.credential_of names
_NO_HEADERS, _NO_OPENAI_IDS = (None,) * len(OPENAI_HEADERS), ("",) * len(OPENAI_HEADERS)


def _openai_columns(values: tuple[str | None, ...]) -> tuple[str, ...]:
    pairs = zip(OPENAI_HEADERS, values, strict=True)
    return tuple(_printable(value or "", MAX_LENGTH[field]) for field, value in pairs)


def _succeeded_call_row(call: RestCall, labels: dict[tuple[Any, ...], tuple[Any, ...]]) -> tuple[Any, ...] | None:
    """_row(call.fields()) for a REST call an API key or OAuth token made that succeeded, else None.

    Such calls are nearly every row of a busy log, and one credential makes many of them: its labels (auth style,
    key or client, user) and the operation's name are worked out once per credential and operation in `labels`,
    which lives for one write (a second at most, as long as a label waits anyway). Writing a batch of 1,000 GETs
    took 137,000 instructions a call before, 107,000 with it (callgrind); tests/gptcalllog/test_recording.py
    holds it equal to _row.
    """
    if call.authenticator is None or call.status >= 400 or call.error or not isinstance(call.auth, _LABELLED):
        return None
    key = (call.authenticator, call.viewset, call.action, type(call.auth), call.auth.pk, call.user.pk)
    label = labels.get(key)
    if label is None:
        row = _row(call.fields())
        labels[key] = (*row[2:8], row[9])
        return row
    openai = call.openai
    return (
        datetime.fromtimestamp(call.at, UTC),
        REST,
        *label[:6],
        _printable(call.method, MAX_LENGTH["method"]),
        label[6],
        _printable(call.path, MAX_LENGTH["path"]),
        call.status,
        round(call.latency_ms, 2),
        "",
        *(_NO_OPENAI_IDS if openai == _NO_HEADERS else _openai_columns(openai)),
        1,
        "",
    )


ROW_COLUMNS = (
    *("at", "door", "auth_style", "credential_kind", "credential_id", "credential_name", "user_id", "username"),
    *("method", "operation_id", "path", "status", "latency_ms", "error", *OPENAI_HEADERS, "count", "client_address"),
)
OTHER_ADDRESSES = ""  # the address of a minute's overflow rows


class Tally:
    """The row that counts one address's unauthenticated calls with one outcome in one minute."""

    __slots__ = ("row_id", "values", "waiting")

    def __init__(self, values: tuple[Any, ...]) -> None:
        self.values = values  # the first call's row
        self.waiting = 0  # counted since the last write
        self.row_id: int | None = None

    def write(self) -> None:
        if self.row_id is not None and Call.objects.filter(pk=self.row_id).update(count=F("count") + self.waiting):
            self.waiting = 0
            return
        # First write, or the row is gone (pruned, deleted in the admin): a new row with what is waiting.
        row = dict(zip(ROW_COLUMNS, self.values, strict=True))
        row["count"] = self.waiting
        self.row_id = Call.objects.create(**row).pk
        self.waiting = 0


def _insert(rows: list[tuple[Any, ...]]) -> None:
    """Writes rows with one prepared INSERT (executemany) in one transaction.

    Not bulk_create: building a model and preparing each of its values per call was most of what the
    log cost a request (bench/call_log_cost.py). The values are already what the columns hold but for
    the time, which the database adapter converts as the ORM would.
    """
    quote = connection.ops.quote_name
    columns = ", ".join(quote(Call._meta.get_field(name).column) for name in ROW_COLUMNS)
    placeholders = ", ".join(["%s"] * len(ROW_COLUMNS))
    sql = f"INSERT INTO {quote(Call._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608 (names from the model)
    adapt_time = connection.ops.adapt_datetimefield_value
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, [(adapt_time(row[0]), *row[1:]) for row in rows])


class CallBuffer:
    """Calls waiting in this process, and the thread that writes them."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._calls: deque[dict[str, Any] | RestCall] = deque()
        self._write_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._last_write = 0.0  # time.monotonic()
        self._start_lock = threading.Lock()
        self._forget_tallies()

    def _forget_tallies(self) -> None:
        self._tallies: dict[tuple[Any, ...], Tally] = {}  # the latest minutes' rows, keyed by minute and outcome
        self._rows_in_minute: dict[datetime, int] = {}
        self._next_prune = 0.0  # time.monotonic(): the first write prunes

    def add(self, call: dict[str, Any] | RestCall) -> None:
        self._calls.append(call)  # deque.append is thread-safe
        if not conf.CALL_LOG_FLUSH_SECONDS:
            self.flush()
        if self._thread is None:
            self._start_writer()

    def flush_when_full(self) -> None:
        """Writes the waiting calls if they make a batch and no other thread is writing (no pruning: see flush)."""
        if len(self._calls) >= conf.CALL_LOG_BATCH_SIZE and self._write_lock.acquire(blocking=False):
            try:
                self._flush(prune=False)
            finally:
                self._write_lock.release()

    def flush(self) -> int:
        """Writes the waiting calls, and deletes the old ones when it is time to (see the module)."""
        with self._write_lock:
            return self._flush(prune=True)

    def _flush(self, *, prune: bool) -> int:
        if self._calls:
            self._last_write = time.monotonic()
        rows = []
        counted = 0
        labels: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        while self._calls:
            try:
                call = self._calls.popleft()
            except IndexError:  # another thread took the last one
                break
            try:
                counted += self._row_or_count(call, rows, labels)
            except Exception:
                logger.exception("Could not read a call for the call log")
            if (len(rows) + counted) % ROWS_BETWEEN_YIELDS == 0:
                time.sleep(0)  # lets a request thread waiting for the GIL run now, not 5 ms later
        if not rows and not counted:
            return 0
        if prune:
            self._prune_when_due()
        try:
            with transaction.atomic():
                if rows:
                    _insert(rows)
                for tally in self._tallies.values():
                    if tally.waiting:
                        tally.write()
        except DATABASE_ERRORS as error:
            # The database is down (gptactions.unavailable): one line a batch, no traceback; the batch is dropped.
            logger.warning(
                "Could not write %d calls to the call log: the database does not answer (%s).",
                len(rows) + counted,
                first_line(error),
            )
            self._forget_tallies()
            self._next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
            return 0
        except Exception:
            # A log must never break the API: say so once per batch and drop the batch.
            logger.exception("Could not write %d calls to the call log", len(rows) + counted)
            self._forget_tallies()
            self._next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
            return 0
        finally:
            self._keep_latest_minute()
        return len(rows) + counted

    def _row_or_count(self, call: dict[str, Any] | RestCall, rows: list[tuple[Any, ...]], labels: dict) -> int:
        """Appends call's row to rows, or counts it among its address's (no one was authenticated): 1 if counted."""
        if isinstance(call, RestCall):
            row = _succeeded_call_row(call, labels)
            if row is not None:
                rows.append(row)
                return 0
            call = call.fields()
        if call["user"] is None:
            self._count(call)
            return 1
        rows.append(_row(call))
        return 0

    def _keep_latest_minute(self) -> None:
        # Past minutes' rows are complete: only the latest minute's can still grow.
        if len(self._rows_in_minute) > 1:
            latest = max(self._rows_in_minute)
            self._tallies = {key: tally for key, tally in self._tallies.items() if key[0] == latest}
            self._rows_in_minute = {latest: self._rows_in_minute[latest]}

    def _count(self, call: dict[str, Any]) -> None:
        """Adds a call no one was authenticated for to its address's row of the minute (see the module's docstring)."""
        minute = call["at"].replace(second=0, microsecond=0)
        credential: Credential | None = call["credential"]
        address = call["client_address"] or OTHER_ADDRESSES
        key = (minute, call["door"], address, call["status"], call["auth_style"], credential.id if credential else "")
        tally = self._tallies.get(key)
        if tally is None:
            rows = self._rows_in_minute.get(minute, 0)
            if rows >= conf.CALL_LOG_ANONYMOUS_ROWS_PER_MINUTE:
                # The minute's rows are used up: the rest of its calls counted per door and status only.
                key = (minute, call["door"], OTHER_ADDRESSES, call["status"])
                tally = self._tallies.get(key)
                if tally is None:
                    tally = self._tallies[key] = Tally(_row({**call, "credential": None}))
            else:
                self._rows_in_minute[minute] = rows + 1
                tally = self._tallies[key] = Tally(_row(call, client_address=address))
        tally.waiting += 1

    def _prune_when_due(self) -> None:
        now = time.monotonic()
        if now < self._next_prune:
            return
        self._next_prune = now + PRUNE_EVERY_SECONDS
        try:
            calls_prune(days=conf.CALL_LOG_DAYS)
        except DATABASE_ERRORS:
            pass  # the database is down: the write that follows says so in one line
        except Exception:
            logger.exception("Could not delete the calls older than %d days", conf.CALL_LOG_DAYS)

    def discard(self) -> int:
        """Forgets the waiting calls, the minute's counts and when it last pruned (a test's teardown)."""
        with self._write_lock:
            count = len(self._calls)
            self._calls.clear()
            self._forget_tallies()
            return count

    def _start_writer(self) -> None:
        with self._start_lock:
            if self._thread is not None or not conf.CALL_LOG_FLUSH_SECONDS:
                return
            self._thread = threading.Thread(target=self._write_periodically, name="gptcalllog-writer", daemon=True)
            self._thread.start()

    def forget_after_fork(self) -> None:
        """In a forked child: the parent writes its own waiting calls, and the child needs its own thread."""
        self._reset()

    def _write_periodically(self) -> None:
        while True:
            # Until CALL_LOG_FLUSH_SECONDS after the last write: a busy server's request threads write full
            # batches before that, so this thread, which would wait for their GIL, has nothing to do.
            interval = conf.CALL_LOG_FLUSH_SECONDS or 1.0
            time.sleep(max(self._last_write + interval - time.monotonic(), 0) or interval)
            wrote = False
            if time.monotonic() >= self._next_prune:  # here, never on a request's thread: a DELETE may take long
                with self._write_lock:
                    self._prune_when_due()
                wrote = True
            if self._calls and time.monotonic() - self._last_write >= interval:
                self.flush()
                wrote = True
            if wrote:
                # A connection held between writes would be one more per server process, for a few
                # milliseconds of work a second.
                connection.close()


def write_full_batch(**_signal: Any) -> None:
    """Django's request_finished: the request thread writes the batch its call filled (see the module)."""
    if conf.CALL_LOG_FLUSH_SECONDS:
        _buffer.flush_when_full()


_buffer = CallBuffer()
atexit.register(flush)
os.register_at_fork(after_in_child=_buffer.forget_after_fork)
