"""Reads: API keys by their raw value, and model rows made into instances as the ORM makes them.

api_key_find is one plain statement, compiled once per database vendor (the ORM compiles a queryset anew
on every call), run on the database the routers choose for reading ApiKey. ModelRows makes the model
instances from its rows as the ORM does; tests/items/test_hot_path.py holds it equal to the queryset.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from weakref import WeakKeyDictionary

from django.contrib.auth import get_user_model
from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Col
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from gptactions.keys import is_well_formed, key_hash, stored_prefix
from gptactions.models import ApiKey


class ModelRows:
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

    def select_list(self, database: BaseDatabaseWrapper) -> str:
        quote = database.ops.quote_name
        return ", ".join(f"{quote(column.alias)}.{quote(column.target.column)}" for column in self.columns)

    def instances(self, rows: list[tuple], database: BaseDatabaseWrapper, start: int = 0) -> list[models.Model]:
        """One instance per row of database's, from the values at start, start + 1, ... (a join's rows hold several)."""
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


_API_KEYS = ModelRows(ApiKey)


@cache
def _users() -> ModelRows:
    return ModelRows(get_user_model())


@cache
def _api_key_find_sql(vendor: str, alias: str) -> str:
    database = connections[alias]
    quote = database.ops.quote_name
    users = _users().model._meta
    user_id = ApiKey._meta.get_field("user").column
    join = f"{quote(users.db_table)} ON {quote(users.db_table)}.{quote(users.pk.column)} = {quote(user_id)}"
    where = f"{quote(ApiKey._meta.get_field('prefix').column)} = %s"
    select_list = f"{_API_KEYS.select_list(database)}, {_users().select_list(database)}"
    return f"SELECT {select_list} FROM {quote(ApiKey._meta.db_table)} INNER JOIN {join} WHERE {where}"  # noqa: S608


def api_key_find(*, raw_key: str) -> ApiKey | None:
    """The key (with its user) that raw_key belongs to, revoked or not; None when there is none.

    ApiKey.objects.select_related("user").filter(prefix=...).first() as one plain statement (the prefix is
    unique): a key not verified recently costs its request this lookup, 2.0 M instructions less than the
    queryset's (a GET with API_AUTH_CACHE_SECONDS=0: 4.82 M -> 2.79 M, bench/instructions.sh).
    """
    if not is_well_formed(raw_key):
        return None
    database = connections[router.db_for_read(ApiKey)]  # as ApiKey.objects would read (its user alongside)
    with database.cursor() as cursor:
        cursor.execute(_api_key_find_sql(database.vendor, database.alias), [stored_prefix(raw_key)])
        row = cursor.fetchone()
    if row is None:
        return None
    api_key = _API_KEYS.instances([row], database)[0]
    if not constant_time_compare(api_key.hashed_key, key_hash(raw_key)):
        return None
    ApiKey.user.field.set_cached_value(api_key, _users().instances([row], database, start=len(_API_KEYS.columns))[0])
    return api_key


def active_api_key_count(*, now: datetime | None = None) -> int:
    """Keys that work now: not revoked, not expired."""
    now = now or timezone.now()
    return ApiKey.objects.filter(revoked_at__isnull=True).exclude(expires_at__lte=now).count()
