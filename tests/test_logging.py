"""Log lines as a developer sees them: a real manage.py process with DEBUG on and off."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.test_startup import ROOT, environment

MAKE_A_LOG_LINE = "from django.test import Client; Client(HTTP_HOST='localhost').get('/no-such-page-4711')"


@pytest.mark.parametrize("debug", ["1", "0"])
def test_each_log_line_prints_once(debug, tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", MAKE_A_LOG_LINE],
        cwd=ROOT,
        env=environment(
            DJANGO_DEBUG=debug, DJANGO_SECRET_KEY="test-logging-key", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3"
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("Not Found: /no-such-page-4711") == 1
