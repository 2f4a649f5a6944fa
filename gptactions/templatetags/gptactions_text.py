"""Template filters for the platform's own texts."""

from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

CODE_SPAN = re.compile(r"`([^`]+)`")


@register.filter(is_safe=True)
def code_spans(text: str) -> SafeString:
    """`command` in a text (as the terminal shows it, gptactions.paste_values) as <code>command</code> on a page.

    The text is escaped first; only the backtick pairs become markup.
    """
    return mark_safe(CODE_SPAN.sub(r"<code>\1</code>", str(conditional_escape(text))))  # noqa: S308
