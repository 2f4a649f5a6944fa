"""One clear line instead of a traceback when the configuration is wrong, for manage.py and any WSGI server.

Settings raise ImproperlyConfigured with a message that says what is wrong and how to fix it; a database
that cannot be reached raises OperationalError before any connection opens. Both are problems of the
machine, not bugs, so their callers print `describe(exc)` and stop instead of showing a traceback.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.urls import get_resolver

# gunicorn stops (instead of starting new workers forever) when a worker exits with this code:
# its Arbiter.APP_LOAD_ERROR, "App failed to load". Other servers see a plain failed start.
APP_LOAD_ERROR = 4


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _database_unreachable(exc: BaseException) -> bool:
    # A failed connect leaves no connection behind; a failed query on an open connection is a bug to show.
    return isinstance(exc, OperationalError) and connections[DEFAULT_DB_ALIAS].connection is None


def describe(exc: BaseException) -> str | None:
    """The one line to print for a configuration problem, or None when exc is something else."""
    if isinstance(exc, ImproperlyConfigured):
        return f"Configuration error: {_one_line(str(exc))}"
    if _database_unreachable(exc):
        database = connections[DEFAULT_DB_ALIAS].settings_dict
        where = database["NAME"] if not database.get("HOST") else f"{database['HOST']}:{database.get('PORT') or ''}"
        reason = _one_line(str(exc))
        return (
            f"Cannot connect to the database ({database['ENGINE'].rsplit('.', 1)[-1]} at {where}): {reason}"
            f"{'' if reason.endswith(('.', '?')) else '.'} Start the database server, or correct DATABASE_URL."
        )
    return None


@contextmanager
def stop_on_configuration_error(exit_code: int = 1) -> Iterator[None]:
    """Print describe(exc) to stderr and exit with exit_code for a configuration problem; re-raise anything else."""
    try:
        yield
    except (ImproperlyConfigured, OperationalError) as exc:
        line = describe(exc)
        if line is None:
            raise
        print(line, file=sys.stderr, flush=True)
        raise SystemExit(exit_code) from None


def check_database() -> None:
    """Open and close one connection, so that a server that cannot reach its database says so at start."""
    connection = connections[DEFAULT_DB_ALIAS]
    connection.ensure_connection()
    connection.close()


def prepare_to_serve() -> None:
    """Once per server process, before its first request: every view imported, then all that start-up made
    kept out of the garbage collector's full collections.

    A full collection walks every object the process holds: ~170,000 here, 40-80 ms during which the
    worker answers nothing, several times a minute under load (the p99 of `make bench`). Frozen, the
    start-up's objects are never freed nor walked again (a full collection: ~5 ms); what requests make is
    collected as before.
    Importing the views here (Django does it at the first request) puts them among the frozen objects.
    """
    get_resolver().url_patterns  # noqa: B018 (imports every URLconf and view)
    gc.collect()
    gc.freeze()
