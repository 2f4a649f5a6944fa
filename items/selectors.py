"""Reads: the items of a user (the one ownership rule), an item, and a page with its count.

The API's hot reads (item_get, OwnedItems) are plain statements, each compiled once: the ORM compiles a
queryset anew on every call. tests/items/test_hot_path.py holds each equal to its queryset.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import QuerySet

from gptactions.selectors import ModelRows
from items.models import Item

_ITEMS = ModelRows(Item)


def item_list(*, owner: AbstractBaseUser) -> QuerySet[Item]:
    """The items owner may see and change, newest first: the one ownership rule of every front door."""
    return Item.objects.filter(owner=owner)


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
