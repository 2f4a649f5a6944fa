"""The Simplified Chinese catalog is complete and compiled (CI has no gettext, so the .mo is committed)."""

from __future__ import annotations

import ast
import gettext
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "gptactions" / "locale" / "zh_Hans" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def read_po(path: Path) -> list[tuple[str, str, list[str], str | None]]:
    """(msgid, msgstr, flag comments, msgid_plural) of every entry but the header."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        lines = block.splitlines()
        flags = [line for line in lines if line.startswith("#,")]
        parts: dict[str, str] = {}
        key = None
        for line in lines:
            if line.startswith(("msgid ", "msgstr ", "msgid_plural ", "msgstr[0] ")):
                key, _, line = line.partition(" ")
                key = key.removesuffix("[0]")  # Chinese has one plural form: msgstr[0] is the translation
            if key and line.startswith('"'):
                parts[key] = parts.get(key, "") + json.loads(line)
        if parts.get("msgid"):
            entries.append((parts["msgid"], parts.get("msgstr", ""), flags, parts.get("msgid_plural")))
    return entries


def test_every_message_is_translated_without_fuzzy_entries():
    entries = read_po(CATALOG / "django.po")
    assert len(entries) > 50
    for msgid, msgstr, flags, _plural in entries:
        assert msgstr, f"untranslated: {msgid!r}"
        assert not any("fuzzy" in flag for flag in flags), f"fuzzy: {msgid!r}"
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), msgid


def test_compiled_catalog_matches_the_po_file():
    with (CATALOG / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    entries = read_po(CATALOG / "django.po")
    assert len(entries) > 50
    for msgid, msgstr, _flags, plural in entries:
        translated = compiled.ngettext(msgid, plural, 1) if plural else compiled.gettext(msgid)
        assert translated == msgstr, f"run compilemessages: {msgid!r}"


def test_strings_marked_in_oauthconsent_are_in_the_catalog():
    known = {msgid for msgid, _, _, _ in read_po(CATALOG / "django.po")}
    marked = set()
    for template in (ROOT / "oauthconsent" / "templates").rglob("*.html"):
        marked |= set(re.findall(r'{% translate "([^"]+)" %}', template.read_text(encoding="utf-8")))
    for module in (ROOT / "oauthconsent").rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_" and node.args:
                if isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                    marked.add(node.args[0].value)
    assert len(marked) > 30
    assert marked - known == set()
