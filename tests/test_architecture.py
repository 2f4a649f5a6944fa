"""The direction of imports (docs/architecture.md): config knows the apps, apps never import config,
settings import no app, and each app imports only the apps below it."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Each app and the project apps it may import: the lowest first.
LAYERS = {
    "gptactions": set(),
    "gptcalllog": {"gptactions"},
    "oauthconsent": {"gptactions", "gptcalllog"},
    "gptmcp": {"gptactions", "gptcalllog", "oauthconsent"},
    "gptsetup": {"gptactions", "gptcalllog", "oauthconsent", "gptmcp"},
    "tunnels": {"gptactions", "gptcalllog", "oauthconsent", "gptmcp", "gptsetup"},
    # The worked example uses the platform as a shop's own app would: through gptactions alone.
    "items": {"gptactions"},
}
PROJECT_PACKAGES = {"config", *LAYERS}


def imported_packages(path: Path) -> set[str]:
    """The top-level packages a module imports, at module level or inside functions."""
    packages = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            packages |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            packages.add(node.module.split(".")[0])
    return packages


def test_settings_import_no_app():
    env = {**os.environ, "DJANGO_SECRET_KEY": "x", "DJANGO_DEBUG": "0"}
    code = (
        f"import sys, config.settings; print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(LAYERS)!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("app", sorted(LAYERS))
def test_app_imports_only_the_apps_below_it_and_never_config(app):
    allowed = LAYERS[app] | {app}
    wrong = {
        str(path.relative_to(ROOT)): sorted((imported_packages(path) & PROJECT_PACKAGES) - allowed)
        for path in (ROOT / app).rglob("*.py")
    }
    assert {module: packages for module, packages in wrong.items() if packages} == {}
    assert len(wrong) > 3  # the scan found the app's modules


def test_the_suites_second_resource_uses_only_what_a_shop_can():
    """tests/notes is written as a shop's own app: it may import the platform's lowest app, and itself."""
    wrong = {
        str(path.relative_to(ROOT)): sorted((imported_packages(path) & PROJECT_PACKAGES) - {"gptactions"})
        for path in (ROOT / "tests" / "notes").rglob("*.py")
        if not path.name.startswith("test_")  # its tests check it through every app
    }
    assert {module: packages for module, packages in wrong.items() if packages} == {}
    assert len(wrong) > 3
