"""The API's JSON parser: every bad body is a JSON error, never a 500 (issue 10, finding 6)."""

from __future__ import annotations

import io
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser


class RequestTooLarge(APIException):
    status_code = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


class BoundedJSONParser(JSONParser):
    """DRF's JSONParser, refusing bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (413) and absurd nesting (400).

    DRF reads a JSON body whatever its size (Django's limit applies to forms only), and Python's json
    module raises RecursionError, not ValueError, at about a thousand levels of nesting.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None:
            body = stream.read(limit + 1)
            if len(body) > limit:
                raise RequestTooLarge
            stream = io.BytesIO(body)
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - nested too deeply.")) from None
