"""RFC 8414 metadata, fetched as a client discovers it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import requests

from tests.factories import ALL_SCOPES

ROOT = Path(__file__).resolve().parent.parent.parent


def test_metadata_lists_only_what_is_offered(live_server):
    response = requests.get(f"{live_server.url}/.well-known/oauth-authorization-server", timeout=10)
    assert response.status_code == HTTPStatus.OK
    base = live_server.url
    assert response.json() == {
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth/authorize/",
        "token_endpoint": f"{base}/oauth/token/",
        "revocation_endpoint": f"{base}/oauth/revoke_token/",
        "introspection_endpoint": f"{base}/oauth/introspect/",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "scopes_supported": ALL_SCOPES.split(),
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "authorization_response_iss_parameter_supported": True,
        "client_id_metadata_document_supported": True,
    }


def test_metadata_uses_public_base_url(tmp_path):
    # PUBLIC_BASE_URL is read when settings load, so a fresh process gets it, as a deployment does.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "PUBLIC_"))}
    env |= {
        "DJANGO_SECRET_KEY": "x",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PUBLIC_BASE_URL": "https://gpt-demo.ngrok-free.app",
    }
    script = (
        "from django.test import Client; "
        "r = Client().get('/.well-known/oauth-authorization-server', HTTP_HOST='localhost'); print(r.content.decode())"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    metadata = json.loads(result.stdout.splitlines()[-1])
    assert metadata["issuer"] == "https://gpt-demo.ngrok-free.app"
    assert metadata["authorization_endpoint"] == "https://gpt-demo.ngrok-free.app/oauth/authorize/"
    assert metadata["token_endpoint"] == "https://gpt-demo.ngrok-free.app/oauth/token/"
