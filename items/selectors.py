"""Reads: API keys by their raw value, items of a user."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from weakref import WeakKeyDictionary

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet
from django.db.models.expressions import Col
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from items.keys import is_well_formed, key_hash, stored_prefix
from items.models import ApiKey, Item


def api_key_find(*, raw_key: str) -> ApiKey | None:
    """The key (with its user) that raw_key belongs to, revoked or not; None when there is none."""
    if not is_well_formed(raw_key):
        return None
    api_key = ApiKey.objects.select_related("user").filter(prefix=stored_prefix(raw_key)).first()
    if api_key is None or not constant_time_compare(api_key.hashed_key, key_hash(raw_key)):
        return None
    return api_key


def item_list(*, owner: AbstractBaseUser) -> QuerySet[Item]:
    """The items owner may see and change, newest first: the one ownership rule of every front door."""
    return Item.objects.filter(owner=owner)


def active_api_key_count(*, now: datetime | None = None) -> int:
    """Keys that work now: not revoked, not expired."""
    now = now or timezone.now()
    return ApiKey.objects.filter(revoked_at__isnull=True).exclude(expires_at__lte=now).count()


# The largest primary key a database holds (BigAutoField); the ORM answers "none" beyond it, so does item_get.
_MAX_PK = 2**63 - 1
_ITEM_FIELDS = Item._meta.concrete_fields
_ITEM_COLUMNS = [field.get_col(Item._meta.db_table) for field in _ITEM_FIELDS]
_ITEM_ATTNAMES = [field.attname for field in _ITEM_FIELDS]


@cache
def _item_get_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in _ITEM_FIELDS)
    where = f"{quote(Item._meta.pk.column)} = %s AND {quote(Item._meta.get_field('owner').column)} = %s"
    return f"SELECT {columns} FROM {quote(Item._meta.db_table)} WHERE {where}"  # noqa: S608  (model names only)


def item_get(*, owner: AbstractBaseUser, pk: int) -> Item | None:
    """item_list(owner=owner).filter(pk=pk).first(), as one plain statement: the API's hot read.

    The ORM compiles a queryset anew on every call (get_object: ~0.24 ms of the ~1.15 ms GET before, by
    cProfile's share of bench/hotpath.py's time), and raw() resolves its columns anew on each call.
    The values go through the same converters the ORM applies (decimals, datetimes):
    tests/items/test_hot_path.py holds the two equal.
    """
    if not 0 < pk <= _MAX_PK:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_item_get_sql(connection.vendor), [pk, owner.pk])
        row = cursor.fetchone()
    return None if row is None else _items_of_rows([row])[0]


def _items_of_rows(rows: list[tuple]) -> list[Item]:
    """Items from rows of _ITEM_FIELDS' columns, through the converters the ORM applies (decimals, datetimes)."""
    database = connections[connection.alias]  # once: each use of `connection` looks the thread's up again
    converters = _converters(database)
    items = []
    for row in rows:
        values = list(row)
        for position, column, column_converters in converters:
            for converter in column_converters:
                values[position] = converter(values[position], column, database)
        items.append(Item.from_db(database.alias, _ITEM_ATTNAMES, values))
    return items


# Each connection's converters for _ITEM_COLUMNS, which the ORM looks up again for every statement: asking
# once per connection saves 277,000 of the 2.29 M instructions of a GET /items/{id} (bench/instructions.sh).
_converters_of: WeakKeyDictionary[BaseDatabaseWrapper, list[tuple[int, Col, list]]] = WeakKeyDictionary()


def _converters(database: BaseDatabaseWrapper) -> list[tuple[int, Col, list]]:
    converters = _converters_of.get(database)
    if converters is None:
        converters = _converters_of[database] = [
            (position, column, database.ops.get_db_converters(column) + column.get_db_converters(database))
            for position, column in enumerate(_ITEM_COLUMNS)
        ]
    return converters


@cache
def _owned_items_sql(vendor: str) -> tuple[str, str]:
    """The count and the page of item_list(owner=...), compiled once by the ORM (its ordering included)."""
    quote = connection.ops.quote_name
    owner_column = quote(Item._meta.get_field("owner").column)
    count = f"SELECT COUNT(*) FROM {quote(Item._meta.db_table)} WHERE {owner_column} = %s"  # noqa: S608
    any_owner = get_user_model()(pk=0)  # the statement takes the owner as its parameter
    page, _params = item_list(owner=any_owner).query.sql_with_params()
    return count, f"{page} LIMIT %s OFFSET %s"


class OwnedItems:
    """item_list(owner=owner) for Django's Paginator (count() and slices), each as one plain statement.

    A queryset compiles its count and its page anew on every call: 860,000 of the 9.4 M instructions of a
    GET /items/ (bench/instructions.sh). tests/items/test_hot_path.py holds the pages equal to the queryset's.
    """

    def __init__(self, owner: AbstractBaseUser) -> None:
        self.owner_id = owner.pk

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(_owned_items_sql(connection.vendor)[0], [self.owner_id])
            return cursor.fetchone()[0]

    def __getitem__(self, window: slice) -> list[Item]:
        start, stop = window.start or 0, window.stop
        if stop <= start:
            return []  # as a queryset's empty slice: no query
        with connection.cursor() as cursor:
            cursor.execute(_owned_items_sql(connection.vendor)[1], [self.owner_id, stop - start, start])
            return _items_of_rows(cursor.fetchall())
