"""What a GPT builder pastes into the GPT editor for the whole Action, and the privacy policy's default text.

`action_setup` (the command), the admin's setup page and `manage.py tunnel` call these in-process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.checks import CheckMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from oauth2_provider.models import AbstractApplication
from oauth2_provider.settings import oauth2_settings

from gptactions.auth_styles import AuthStyle, enabled_auth_styles
from gptactions.paste_values import PasteValue, paste_lines, paste_values
from gptmcp.presentation import mcp_setup, mcp_setup_lines
from gptsetup.checks import lint_action
from gptsetup.selectors import action_schema
from oauthconsent.selectors import gpt_clients

REGISTER_CLIENT_COMMAND = "python manage.py register_gpt_client --name 'My GPT'"


@dataclass(frozen=True)
class ActionSetup:
    base_url: str
    base_url_configured: bool  # False: base_url is a local fallback ChatGPT cannot reach
    style: AuthStyle
    schema_url: str
    privacy_url: str
    auth_values: list[PasteValue]
    notes: list[str] = field(default_factory=list)


def action_setup(
    *, style: AuthStyle, base_url: str, base_url_configured: bool, application: AbstractApplication | None = None
) -> ActionSetup:
    """Everything to paste into the GPT editor for one auth style, on base_url."""
    notes = []
    if not style.uses_api_key:
        notes.append(
            _(
                "After saving the Action, the editor shows a Callback URL "
                "(https://chatgpt.com/aip/g-…/oauth/callback): paste it into the client's Callback URLs in the admin."
            )
        )
    return ActionSetup(
        base_url=base_url,
        base_url_configured=base_url_configured,
        style=style,
        schema_url=f"{base_url}{reverse('schema')}?auth={style.name}",
        privacy_url=base_url + reverse("privacy"),
        auth_values=paste_values(style, base_url=base_url, application=application),
        notes=notes,
    )


def clients_hint(clients: list[AbstractApplication], known: str, none: str) -> str:
    if clients:
        return known + "; ".join(f"{client.client_id} ({client.name or 'no name'})" for client in clients) + "."
    return none + f"create one with `{REGISTER_CLIENT_COMMAND}`."


def setup_lines(setup: ActionSetup) -> list[str]:
    """The setup for a terminal: schema URL, authentication fields, privacy policy URL, notes, other styles."""
    lines = []
    if not setup.base_url_configured:
        lines.append(
            f"PUBLIC_BASE_URL is not set: the values below use {setup.base_url}, which ChatGPT cannot "
            "reach. Run `python manage.py tunnel`, or set PUBLIC_BASE_URL=https://your.domain."
        )
    lines += [
        f"GPT Action setup for {setup.base_url}",
        "In the GPT editor: Configure > Actions > Create new action.",
        "",
        "Schema (Import from URL):",
        f"  {setup.schema_url}",
        "",
        f"Authentication: {setup.style.label}",
        *paste_lines(setup.auth_values),
        "",
        "Privacy policy URL:",
        f"  {setup.privacy_url}",
    ]
    for note in setup.notes:
        lines += ["", note]
    others = [style for style in enabled_auth_styles() if style != setup.style]
    if others:
        lines += [
            "",
            "Other auth types: " + ", ".join(f"--auth {style.name} ({style.label})" for style in others) + ".",
        ]
    return lines


def lint_lines(messages: list[CheckMessage]) -> list[str]:
    if not messages:
        return ["GPT Action lint: no problems."]
    lines = [f"GPT Action lint: {len(messages)} warning(s)."]
    for message in messages:
        lines.append(f"  {message.id}: {message.msg}")
        if message.hint:
            lines.append(f"    Fix: {message.hint}")
    return lines


def setup_report(*, base_url: str) -> str:
    """What `manage.py action_setup` prints by default, for a server public at base_url (the tunnel's)."""
    styles = enabled_auth_styles()
    if not styles:
        return "API_AUTH_STYLES enables no auth style: set it to some of bearer,basic,custom,oauth."
    setup = action_setup(style=styles[0], base_url=base_url, base_url_configured=True)
    lines = setup_lines(setup)
    if not setup.style.uses_api_key:
        lines += ["", clients_hint(gpt_clients(), "Choose a client with --client: ", "No OAuth client yet: ")]
    lines += ["", *mcp_setup_lines(mcp_setup(base_url=base_url))]
    lines += ["", *lint_lines(lint_action(action_schema(None), public_url=base_url))]
    return "\n".join(lines)


def default_privacy_text() -> str:
    """What /privacy/ says until an admin writes a policy of their own (the admin's add form starts from it)."""
    seconds = oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS
    lifetime = {"hours": seconds // 3600} if seconds % 3600 == 0 else {"minutes": max(1, round(seconds / 60))}
    return render_to_string("gptsetup/privacy_default.txt", lifetime).strip() + "\n"


@dataclass(frozen=True)
class PolicyBlock:
    heading: str
    paragraph: str
    items: list[str]


LIST_MARKS = ("- ", "* ", "• ")
SENTENCE_ENDS = (".", "!", "?", ":", ";", "。", "\uff01", "\uff1f", "\uff1a", "\uff1b")  # and their full-width forms


def policy_blocks(text: str) -> list[PolicyBlock]:
    """A privacy policy's plain text as blocks: blank lines separate them, `- ` lines make a list, and a
    block's first line is a heading when it is short, ends without punctuation and more follows."""
    blocks = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        prose: list[str] = []
        items: list[str] = []
        for line in filter(None, (line.strip() for line in chunk.splitlines())):
            if line.startswith(LIST_MARKS):
                items.append(line[2:].strip())
            elif items:
                items[-1] += " " + line  # an item's next line
            else:
                prose.append(line)
        heading = ""
        if prose and len(prose) + len(items) > 1 and len(prose[0]) <= 80 and not prose[0].endswith(SENTENCE_ENDS):
            heading = prose.pop(0)
        blocks.append(PolicyBlock(heading=heading, paragraph="\n".join(prose), items=items))
    return blocks
