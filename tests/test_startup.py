"""Bad settings and a missing virtualenv as a user meets them: real commands in subprocesses, one line each."""

from __future__ import annotations

import sys

import pytest

from tests.helpers.processes import environment, free_port, run

GOOD_KEY = "test-secret-key-for-the-startup-tests"

BAD_SETTINGS = {
    "malformed DATABASE_URL": (
        {"DATABASE_URL": "postgres//postgres@127.0.0.1/x", "DJANGO_SECRET_KEY": GOOD_KEY},
        "DATABASE_URL is not a database URL",
        "postgres://USER:PASSWORD@HOST:5432/NAME",
    ),
    "DATABASE_URL with an unknown scheme": (
        {"DATABASE_URL": "mysqlx://u:p@127.0.0.1/x", "DJANGO_SECRET_KEY": GOOD_KEY},
        "DATABASE_URL is not a database URL: its scheme mysqlx:// names no database",
        "postgres://USER:PASSWORD@HOST:5432/NAME",
    ),
    "DATABASE_URL with a bad port": (
        {"DATABASE_URL": "postgres://u:p@127.0.0.1:port/x", "DJANGO_SECRET_KEY": GOOD_KEY},
        "DATABASE_URL is malformed",
        "postgres://USER:PASSWORD@HOST:5432/NAME",
    ),
    "PostgreSQL down": (
        {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/x", "DJANGO_SECRET_KEY": GOOD_KEY},
        "Cannot connect to the database (postgresql at 127.0.0.1:",
        "Start the database server, or correct DATABASE_URL.",
    ),
    "DEBUG off without a secret key": (
        {"DJANGO_DEBUG": "0"},
        "DJANGO_SECRET_KEY is not set",
        "secrets.token_urlsafe(50)",
    ),
}


def assert_one_clear_line(stderr: str, what: str, fix: str) -> None:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if what in line]
    assert len(lines) == 1, stderr
    assert fix in lines[0]


@pytest.mark.parametrize("case", BAD_SETTINGS)
def test_manage_py_names_a_bad_setting_in_one_line(case):
    values, what, fix = BAD_SETTINGS[case]
    result = run([sys.executable, "manage.py", "migrate", "--noinput"], environment(**values))
    assert result.returncode == 1
    assert_one_clear_line(result.stderr, what, fix)
    assert result.stderr.count("\n") == 1  # that line and nothing else


@pytest.mark.parametrize("case", BAD_SETTINGS)
def test_the_wsgi_server_stops_with_one_line_for_a_bad_setting(case):
    values, what, fix = BAD_SETTINGS[case]
    gunicorn = [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{free_port()}", "-w", "1"]
    result = run(gunicorn, environment(**values))
    assert result.returncode == 4  # gunicorn's "App failed to load": it stops instead of restarting workers
    assert_one_clear_line(result.stderr, what, fix)


# The ASGI module does not try the database: uvicorn imports it inside its event loop, where Django won't connect.
SETTINGS_ONLY = [case for case in BAD_SETTINGS if case != "PostgreSQL down"]


@pytest.mark.parametrize("case", SETTINGS_ONLY)
def test_the_asgi_server_stops_with_one_line_for_a_bad_setting(case):
    values, what, fix = BAD_SETTINGS[case]
    uvicorn = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(free_port())]
    result = run(uvicorn, environment(**values))
    assert result.returncode == 1
    assert_one_clear_line(result.stderr, what, fix)


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi"])
def test_a_server_process_starts_with_its_views_imported_and_kept_from_full_collections(module, tmp_path):
    # A full garbage collection walks every object a worker holds (40-80 ms here): those of start-up are frozen.
    report = (
        f"import gc, sys, {module}; print(gc.get_freeze_count(), len(gc.get_objects()), 'items.views' in sys.modules)"
    )
    values = {"DJANGO_SECRET_KEY": GOOD_KEY, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = run([sys.executable, "-c", report], environment(**values))
    assert result.returncode == 0, result.stderr
    frozen, still_walked, views_imported = result.stdout.split()
    assert views_imported == "True"
    assert int(frozen) > 100 * int(still_walked)


def test_manage_py_without_django_says_to_activate_the_virtualenv():
    # -S: no site-packages, so no Django, as with a python outside the project's virtualenv.
    result = run([sys.executable, "-S", "manage.py", "check"])
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Couldn't import Django" in result.stderr
    assert "Did you forget to activate a virtual environment?" in result.stderr
    assert ". .venv/bin/activate" in result.stderr
