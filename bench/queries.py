"""SQL queries per request of each bench row, cold (credential not yet verified) and warm, and writes among them.

Run by bench/throughput.py in a Django process on the bench database; prints one JSON object.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path

import django


def measure(credentials: dict) -> dict[str, list[int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gptactions import credential_cache

    key, key_item = credentials["keys"][0]
    token, token_item = credentials["tokens"][1]
    headers = {
        "bearer": {"HTTP_AUTHORIZATION": f"Bearer {key}"},
        "basic": {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(key.encode()).decode()},
        "custom": {"HTTP_API_KEY": key},
        "oauth": {"HTTP_AUTHORIZATION": f"Bearer {token}"},
    }
    rows = {"healthz": ("get", "/healthz", {}, None)}
    for style in headers:
        rows[f"get-{style}"] = ("get", f"/items/{token_item if style == 'oauth' else key_item}", headers[style], None)
    rows["list"] = ("get", "/items/", headers["custom"], None)
    rows["post"] = ("post", "/items/", headers["custom"], {"name": "Bench", "price": 1.5})
    client = Client()
    client.get("/items/", **headers["custom"])  # the key's first use records last_used_at (once a minute)
    client.get("/items/", **headers["oauth"])
    result = {}
    for name, (method, path, row_headers, body) in rows.items():
        credential_cache.api_keys.clear()
        credential_cache.access_tokens.clear()
        counts = []
        writes = 0
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body else {}
                getattr(client, method)(path, **kwargs, **row_headers)
            counts.append(len(queries))
            sqls = [q["sql"].lstrip().upper() for q in queries.captured_queries]
            writes = sum(1 for sql in sqls if not sql.startswith("SELECT") and "ITEMS_ITEM" not in sql)
        result[name] = [*counts, writes]
    return result


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    print(json.dumps(measure(json.loads(Path(sys.argv[1]).read_text()))))
