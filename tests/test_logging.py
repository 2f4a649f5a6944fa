"""Log lines as a developer sees them: a real manage.py process with DEBUG on and off."""

from __future__ import annotations

import sys

import pytest

from tests.helpers.processes import environment, run

MAKE_A_LOG_LINE = "from django.test import Client; Client(HTTP_HOST='localhost').get('/no-such-page-4711')"


@pytest.mark.parametrize("debug", ["1", "0"])
def test_each_log_line_prints_once(debug, tmp_path):
    env = environment(
        DJANGO_DEBUG=debug, DJANGO_SECRET_KEY="test-logging-key", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3"
    )
    result = run([sys.executable, "manage.py", "shell", "-c", MAKE_A_LOG_LINE], env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("Not Found: /no-such-page-4711") == 1
