"""The whole project under uvicorn (config.asgi:application): REST API, admin, OAuth metadata and /mcp."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import requests

from tests.factories import make_api_key, make_item, make_user
from tests.helpers.mcp import ROOT, bearer, subprocess_env, with_http_client
from tests.helpers.processes import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def uvicorn_url(tmp_path, request):
    alice = make_user("alice")
    make_item(alice, name="Claude")
    request.node.raw_key = make_api_key(alice)[1]
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=subprocess_env(tmp_path),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                requests.get(f"{url}/privacy/", timeout=30)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_uvicorn_serves_the_rest_api_the_admin_the_metadata_and_mcp(uvicorn_url, request):
    raw_key = request.node.raw_key

    items = requests.get(f"{uvicorn_url}/items/", headers=bearer(raw_key), timeout=10)
    admin = requests.get(f"{uvicorn_url}/admin/login/", timeout=10)
    metadata = requests.get(f"{uvicorn_url}/.well-known/oauth-protected-resource/mcp", timeout=10)

    async def session(client):
        return await client.call_tool("list_items", {})

    listed = with_http_client(f"{uvicorn_url}/mcp", session, headers=bearer(raw_key))

    assert items.status_code == 200 and items.json()["results"][0]["name"] == "Claude"
    assert admin.status_code == 200
    assert metadata.json()["resource"] == f"{uvicorn_url}/mcp"
    assert listed.structured_content["results"][0]["name"] == "Claude"
