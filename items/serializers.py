"""Items as JSON, validated exactly as the OpenAPI schema describes them (schemathesis checks both ways)."""

from __future__ import annotations

import copy
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, DecimalException
from typing import Any

from django.core.validators import ProhibitNullCharactersValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from items.models import Item

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")  # the model's 12 digits, 2 after the point


NO_NUL = RegexValidator(r"^[^\x00]+$", message="Null characters are not allowed.")


class TextField(serializers.CharField):
    """A JSON string only (DRF's CharField would store the number 0 as "0"), kept as sent.

    Not trimmed, so that the schema's length limits hold for what is sent; the schema's pattern says
    "no NUL character", which the database cannot store.
    """

    default_error_messages = {"invalid": 'Must be text in double quotes, such as "Anthropic LLM".'}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{**kwargs, "trim_whitespace": False})
        # One validator for NUL instead of DRF's, which the schema cannot see. `+`, not `*`: drf-spectacular
        # offers "" beside the pattern (oneOf) for a field that may be blank, and "" must match only one.
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]
        self.validators.append(NO_NUL)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "number", "minimum": 0, "maximum": float(MAX_AMOUNT)})
class AmountField(serializers.DecimalField):
    """A JSON number from 0 to 9,999,999,999.99, rounded to cents (half up): what the schema says, and all it says."""

    default_error_messages = {
        "invalid": "Must be a JSON number such as 18.5 (not text, not null).",
        "min_value": "Must be at least 0.",
        "max_value": f"Must be at most {MAX_AMOUNT}.",
    }

    def __init__(self, **kwargs: Any) -> None:
        for setting in ("max_digits", "decimal_places", "min_value", "max_value", "validators"):
            kwargs.pop(setting, None)
        super().__init__(max_digits=12, decimal_places=2, rounding=ROUND_HALF_UP, **kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        try:
            value = Decimal(str(data))
        except DecimalException:
            self.fail("invalid")
        if not value.is_finite():
            self.fail("invalid")
        # The range applies to the number sent, before rounding, as in the schema.
        if value < 0:
            self.fail("min_value")
        if value > MAX_AMOUNT:
            self.fail("max_value")
        return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _datetime(value: datetime, zone: tzinfo) -> str:
    # DRF's DateTimeField: ISO 8601 in the current time zone, UTC written as Z.
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class ItemSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: TextField,
        models.TextField: TextField,
        models.DecimalField: AmountField,
    }

    class Meta:
        model = Item
        fields = ["id", "name", "description", "price", "tax", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        # Shown to the model in the OpenAPI schema.
        extra_kwargs = {
            "price": {"help_text": "At least 0; more than two decimals are rounded to cents (18.499 is 18.50)."},
            "tax": {"help_text": "The tax amount: at least 0, rounded to cents like price; null when none."},
        }

    def get_fields(self) -> dict[str, serializers.Field]:
        """ModelSerializer's fields, built from the model once per class; each serializer gets its own copies.

        ModelSerializer introspects the model anew for every serializer (a write validates through them: ~N of
        the M instructions of a POST, bench/instructions.sh). The fields depend on the class alone, so they are
        copied as Serializer copies its declared fields; tests/items/test_hot_path.py holds them equal.
        """
        cls = type(self)
        if "_model_fields" not in cls.__dict__:
            cls._model_fields = super().get_fields()
        return copy.deepcopy(cls._model_fields)

    @cached_property
    def _time_zone(self) -> tzinfo:
        # Once per serializer: a page of 20 items looked it up 20 times (5% of a GET /items/, cProfile).
        return timezone.get_current_timezone()

    def to_representation(self, instance: Item) -> dict[str, Any]:
        """What ModelSerializer's own gives (tests/items/test_hot_path.py holds them equal), written out.

        ModelSerializer builds its seven fields from the model on each serializer (~0.19 ms per GET, about a
        sixth: cProfile's share of bench/hotpath.py's time); a read never needs them, so it never builds them.
        Validation (writes) still does, unchanged.
        """
        zone = self._time_zone
        return {
            "id": instance.pk,
            "name": instance.name,
            "description": instance.description,
            "price": instance.price.quantize(CENT),
            "tax": None if instance.tax is None else instance.tax.quantize(CENT),
            "created_at": _datetime(instance.created_at, zone),
            "updated_at": _datetime(instance.updated_at, zone),
        }
