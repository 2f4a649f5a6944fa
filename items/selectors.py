"""Reads: API keys by their raw value, items of a user.

The API's hot reads (api_key_find, item_get, OwnedItems) are plain statements, each compiled once: the ORM
compiles a queryset anew on every call. _ModelRows makes the model instances from their rows as the ORM
does; tests/items/test_hot_path.py holds each equal to its queryset.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from weakref import WeakKeyDictionary

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet
from django.db.models.expressions import Col
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from items.keys import is_well_formed, key_hash, stored_prefix
from items.models import ApiKey, Item


class _ModelRows:
    """A model's concrete columns for a plain SELECT, and its instances made from such rows as the ORM makes them.

    The values go through the converters the ORM applies (decimals, datetimes). The ORM looks those up again
    for every statement; here once per connection (277,000 of the 2.29 M instructions of a GET /items/{id},
    bench/instructions.sh).
    """

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        fields = model._meta.concrete_fields
        self.columns = [field.get_col(model._meta.db_table) for field in fields]
        self.attnames = [field.attname for field in fields]
        self._converters: WeakKeyDictionary[BaseDatabaseWrapper, list[tuple[int, Col, list]]] = WeakKeyDictionary()

    def select_list(self) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{quote(column.alias)}.{quote(column.target.column)}" for column in self.columns)

    def instances(self, rows: list[tuple], start: int = 0) -> list[models.Model]:
        """One instance per row, from the row's values at start, start + 1, ... (a join's rows hold several)."""
        database = connections[connection.alias]  # once: each use of `connection` looks the thread's up again
        converters = self._converters_for(database)
        instances = []
        for row in rows:
            values = list(row[start : start + len(self.columns)])
            for position, column, column_converters in converters:
                for converter in column_converters:
                    values[position] = converter(values[position], column, database)
            instances.append(self.model.from_db(database.alias, self.attnames, values))
        return instances

    def _converters_for(self, database: BaseDatabaseWrapper) -> list[tuple[int, Col, list]]:
        converters = self._converters.get(database)
        if converters is None:
            converters = self._converters[database] = [
                (position, column, database.ops.get_db_converters(column) + column.get_db_converters(database))
                for position, column in enumerate(self.columns)
            ]
        return converters


_ITEMS = _ModelRows(Item)
_API_KEYS = _ModelRows(ApiKey)


@cache
def _users() -> _ModelRows:
    return _ModelRows(get_user_model())


@cache
def _api_key_find_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    users = _users().model._meta
    user_id = ApiKey._meta.get_field("user").column
    join = f"{quote(users.db_table)} ON {quote(users.db_table)}.{quote(users.pk.column)} = {quote(user_id)}"
    where = f"{quote(ApiKey._meta.get_field('prefix').column)} = %s"
    select_list = f"{_API_KEYS.select_list()}, {_users().select_list()}"
    return f"SELECT {select_list} FROM {quote(ApiKey._meta.db_table)} INNER JOIN {join} WHERE {where}"  # noqa: S608


def api_key_find(*, raw_key: str) -> ApiKey | None:
    """The key (with its user) that raw_key belongs to, revoked or not; None when there is none.

    ApiKey.objects.select_related("user").filter(prefix=...).first() as one plain statement (the prefix is
    unique): a key not verified recently costs its request this lookup, 2.0 M instructions less than the
    queryset's (a GET with API_AUTH_CACHE_SECONDS=0: 4.82 M -> 2.79 M, bench/instructions.sh).
    """
    if not is_well_formed(raw_key):
        return None
    with connection.cursor() as cursor:
        cursor.execute(_api_key_find_sql(connection.vendor), [stored_prefix(raw_key)])
        row = cursor.fetchone()
    if row is None:
        return None
    api_key = _API_KEYS.instances([row])[0]
    if not constant_time_compare(api_key.hashed_key, key_hash(raw_key)):
        return None
    ApiKey.user.field.set_cached_value(api_key, _users().instances([row], start=len(_API_KEYS.columns))[0])
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


@cache
def _item_get_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    where = f"{quote(Item._meta.pk.column)} = %s AND {quote(Item._meta.get_field('owner').column)} = %s"
    return f"SELECT {_ITEMS.select_list()} FROM {quote(Item._meta.db_table)} WHERE {where}"  # noqa: S608


def item_get(*, owner: AbstractBaseUser, pk: int) -> Item | None:
    """item_list(owner=owner).filter(pk=pk).first(), as one plain statement: the API's hot read.

    The ORM compiles a queryset anew on every call (get_object: ~0.24 ms of the ~1.15 ms GET before, by
    cProfile's share of bench/hotpath.py's time), and raw() resolves its columns anew on each call.
    """
    if not 0 < pk <= _MAX_PK:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_item_get_sql(connection.vendor), [pk, owner.pk])
        row = cursor.fetchone()
    return None if row is None else _ITEMS.instances([row])[0]


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
            return _ITEMS.instances(cursor.fetchall())
