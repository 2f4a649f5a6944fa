"""gunicorn's access log through config.gunicorn_logging.AccessLogger: each line as gunicorn's own Logger writes it."""

from __future__ import annotations

import base64
import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from config.gunicorn_logging import AccessLogger

ROOT = Path(__file__).resolve().parent.parent
PROJECT_FORMAT = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["access_log_format"]
FORMATS = [
    PROJECT_FORMAT,
    Config().access_log_format,  # gunicorn's default: the user, the request line, the referrer
    " ".join(f"%({name})s" for name in "hlutrsmUqHbBfaTDMLp"),
    '%(h)s "%({user-agent}i)s" %({content-type}o)s %({wsgi.url_scheme}e)s',  # gunicorn's own atoms
    "%(h)s %(unknown)s %(s)s",
]


def calls() -> list[tuple]:
    """(resp, req, environ, request_time): plain, quoted and missing values, a Basic user, no body sent."""
    environ = {
        "REMOTE_ADDR": "203.0.113.7",
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/items/1?page=2",
        "PATH_INFO": "/items/1",
        "QUERY_STRING": "page=2",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_USER_AGENT": 'Mozilla/5.0 "quoted" (ChatGPT-User)',
        "HTTP_REFERER": "https://chatgpt.com/",
        "HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"demo:gpta_secret").decode(),
        "wsgi.url_scheme": "https",
    }
    request = SimpleNamespace(headers=[("User-Agent", environ["HTTP_USER_AGENT"]), ("Accept", "*/*")])
    ok = SimpleNamespace(status="200 OK", sent=123, headers=[("Content-Type", "application/json")])
    unsent = SimpleNamespace(status=404, sent=None, headers=[])
    bare = {"REQUEST_METHOD": "POST", "RAW_URI": "/mcp", "SERVER_PROTOCOL": "HTTP/1.0"}
    return [
        (ok, request, environ, timedelta(milliseconds=4, microseconds=321)),
        (unsent, SimpleNamespace(headers=[]), bare, timedelta(seconds=2, microseconds=5)),
    ]


def lines(logger_class: type[Logger], access_log_format: str, folder: Path) -> list[str]:
    path = folder / f"{logger_class.__name__}.log"
    config = Config()
    config.set("accesslog", str(path))
    config.set("access_log_format", access_log_format)
    logger = logger_class(config)
    with mock.patch.object(Logger, "now", return_value="[07/Dec/2026:16:00:00 +0000]"):
        for resp, req, environ, took in calls():
            logger.access(resp, req, environ, took)
    for handler in logger.access_log.handlers:
        handler.flush()
    return path.read_text().splitlines()


@pytest.mark.parametrize("access_log_format", FORMATS)
def test_each_line_is_gunicorns(access_log_format, tmp_path):
    ours = lines(AccessLogger, access_log_format, tmp_path)
    assert len(ours) == len(calls())
    assert ours == lines(Logger, access_log_format, tmp_path)


def test_the_project_format_builds_only_its_atoms(tmp_path):
    with mock.patch.object(Logger, "atoms", side_effect=AssertionError("gunicorn's atoms() was called")):
        assert lines(AccessLogger, PROJECT_FORMAT, tmp_path)[0] == (
            '203.0.113.7 [07/Dec/2026:16:00:00 +0000] "GET /items/1 HTTP/1.1" 200 123 4ms '
            '"Mozilla/5.0 \\"quoted\\" (ChatGPT-User)"'
        )


def test_gunicorn_conf_names_the_logger():
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["logger_class"] == "config.gunicorn_logging.AccessLogger"
