"""gunicorn's settings: gunicorn reads this file from its working directory by itself.

Every way the project starts gunicorn runs from here: the README's production command
(`gunicorn config.wsgi …`), `manage.py tunnel` (tunnels/server.py) and the tests.
"""

from __future__ import annotations

# The access log, without a secret (issue 10, finding 3): no %(u)s, because gunicorn decodes
# `Authorization: Basic base64(key)` and would print an API key as the user name; no query string
# (%(r)s, %(q)s) and no referrer (%(f)s), which can carry whatever a client put in a URL.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'

# The same lines, without building the atoms the format doesn't print (config/gunicorn_logging.py).
logger_class = "config.gunicorn_logging.AccessLogger"
