"""FastJSONRenderer writes what DRF's JSONRenderer writes, byte for byte, or leaves the answer to it."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from gptactions.renderers import FastJSONRenderer
from items.serializers import ItemSerializer
from tests.factories import make_item, make_user


@dataclass
class Point:
    x: int


SAMPLES = {
    "prices": {"price": Decimal("18.50"), "tax": None, "zero": Decimal("0.00"), "max": Decimal("9999999999.99")},
    "cents": [Decimal(cents) / 100 for cents in range(0, 100_000, 37)],
    "floats": [0.1 + 0.2, 1e16, 1e-4, 1.5e-10, 123456789.125, -0.0, 1e22],
    "text": {"name": 'Café ☕ 中文 "quoted" \\ back\nslash\t\x01', "separators": "a\u2028b\u2029c"},
    "errors": {"detail": ErrorDetail("No item 4 among yours.", code="not_found")},
    "field errors": ReturnDict({"price": [ErrorDetail("Must be at least 0.", code="min_value")]}, serializer=None),
    "lazy": {"detail": gettext_lazy("Invalid API key.")},
    "times": [datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), date(2026, 1, 2), time(3, 4, 5, 678901)],
    "other zone": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=8))),
    "naive": datetime(2026, 1, 2, 3, 4, 5),
    "misc": [timedelta(seconds=90), uuid.UUID(int=7), b"bytes", (1, 2), True, None, 2**63 - 1],
    "nested": {"a": [{"b": [[], {}, ""]}]},
    "int keys": {1: "one"},
    "big int": [2**70],
    "empty": {},
}


@pytest.mark.parametrize("name", list(SAMPLES))
def test_the_same_bytes_as_drf(name):
    data = SAMPLES[name]
    assert FastJSONRenderer().render(data, "application/json") == JSONRenderer().render(data, "application/json")


@pytest.mark.parametrize("accept", ["application/json; indent=2", "application/json; indent=0", None])
def test_indented_and_unnegotiated_answers(accept):
    data = {"price": Decimal("1.10"), "rows": [1, 2]}
    assert FastJSONRenderer().render(data, accept, {}) == JSONRenderer().render(data, accept, {})


def test_floats_between_1e_5_and_1e_4_are_the_same_number_in_other_words():
    # The one difference: orjson writes 0.00005 where Python writes 5e-05. An amount is never one (cents).
    data = [5e-5, 1e-5, 9.99e-5]
    assert FastJSONRenderer().render(data) == b"[0.00005,0.00001,0.0000999]"
    assert json.loads(FastJSONRenderer().render(data)) == json.loads(JSONRenderer().render(data)) == data


def test_what_drf_cannot_write_fails_as_with_drf():
    with pytest.raises(TypeError, match="Object of type Point is not JSON serializable"):
        JSONRenderer().render({"point": Point(3)})
    with pytest.raises(TypeError, match="Object of type Point is not JSON serializable"):
        FastJSONRenderer().render({"point": Point(3)})


def test_nothing_renders_nothing():
    assert FastJSONRenderer().render(None) == b""


@pytest.mark.parametrize("amount", [Decimal("NaN"), Decimal("Infinity")])
def test_a_non_finite_amount_fails_as_with_drf(amount):
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        JSONRenderer().render({"price": amount})
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        FastJSONRenderer().render({"price": amount})


@pytest.mark.django_db
def test_a_page_of_items():
    user = make_user()
    items = [make_item(user, price=Decimal(n) / 3, tax=None if n % 2 else Decimal("1.5")) for n in range(5)]
    page = ReturnList(ItemSerializer(items, many=True).data, serializer=None)
    data = {"count": 5, "next": "http://testserver/items/?page=2", "previous": None, "results": page}
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)
