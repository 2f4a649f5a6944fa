"""Who owns a row, as data on the view (`owner_field`), and DRF's list() and get_object() compiled once.

OwnerFilter is a DRF filter backend: a view lists `filter_backends = [OwnerFilter]` and names the field
that points at the user (`owner_field = "owner"`), and DRF's list() and get_object() keep the request's
user's rows only, as they do for any filter backend.

OwnedObjectMixin runs DRF's list() and get_object() with plain statements when the view has the plain
shape: `queryset` a model's plain queryset (no filters, joins, annotations, deferred fields, prefetching
or custom iterable), get_queryset(), filter_queryset() and paginate_queryset() DRF's own,
`filter_backends == [OwnerFilter]`, an integer lookup field and an integer owner key. The statements
are the ORM's own for that queryset filtered by owner (and lookup value), its ordering included,
compiled once per view class and database (the queryset's `db`: its using() alias, else the routers'
db_for_read); the page's LIMIT and OFFSET are the database's (`ops.limit_offset_sql`); rows become
instances as the ORM makes them (gptactions.selectors.ModelRows). Anything else (another filter
backend, an overridden get_queryset, no pagination, a value out of the column's range, two matching
rows) goes to DRF's code unchanged. DRF's path compiles the queryset anew on every call: GET /items/{id}
3.42 M instructions against 2.12 M through the statements, GET /items/ 7.96 M against 5.62 M
(bench/instructions.sh); tests/items/test_hot_path.py holds the two paths equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connections, models
from django.db.models.query import ModelIterable, QuerySet
from django.db.models.sql import Query
from django.http import Http404
from rest_framework.filters import BaseFilterBackend
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gptactions.selectors import ModelRows

_INTEGER_TYPES = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField"}
# Two values no request sends, to find the owner's and the lookup's places among the compiled parameters.
_OWNER_SENTINEL, _LOOKUP_SENTINEL = 7_000_000_001, 7_000_000_002


class OwnerFilter(BaseFilterBackend):
    """Only the rows whose `view.owner_field` is the request's user: the ownership rule, as data on the view."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: APIView) -> QuerySet:
        return queryset.filter(**{view.owner_field: request.user})


@dataclass(frozen=True)
class _Statement:
    sql: str
    owner_at: int
    lookup_at: int
    rows: ModelRows
    lookup_range: tuple[int, int]
    owner_range: tuple[int, int]


def _integer_range(field: models.Field, database: Any) -> tuple[int, int] | None:
    internal_type = field.get_internal_type()
    return database.ops.integer_field_range(internal_type) if internal_type in _INTEGER_TYPES else None


def _is_plain(queryset: QuerySet) -> bool:
    query = queryset.query
    return (
        type(query) is Query
        and not query.where
        and query.select_related is False
        and not query.annotations
        and not query.extra
        and not query.distinct
        and query.deferred_loading == (frozenset(), True)
        and query.combinator is None
        and not query.is_sliced
        and not queryset._prefetch_related_lookups
        and queryset._iterable_class is ModelIterable
        and type(queryset) is QuerySet
    )


_statements: dict[tuple[type, str, str, str], _Statement | None] = {}


def _statement(view: GenericAPIView, alias: str) -> _Statement | None:
    """The view's detail statement on database alias, compiled by the ORM; None when the view's shape is not plain."""
    key = (type(view), alias, view.owner_field, view.lookup_field)
    if key in _statements:
        return _statements[key]
    statement = None
    queryset, database = view.queryset, connections[alias]
    model = queryset.model
    owner = model._meta.get_field(view.owner_field)
    lookup = model._meta.pk if view.lookup_field == "pk" else model._meta.get_field(view.lookup_field)
    owner_range = owner.is_relation and owner.many_to_one and _integer_range(owner.target_field, database)
    lookup_range = lookup.concrete and not lookup.is_relation and _integer_range(lookup, database)
    if owner_range and lookup_range:
        # get() drops the ordering; two rows at most, enough to hand a non-unique match to DRF's path.
        filters = {owner.attname: _OWNER_SENTINEL, lookup.attname: _LOOKUP_SENTINEL}
        compiler = queryset.using(alias).filter(**filters).order_by()[:2].query.get_compiler(alias)
        sql, params = compiler.as_sql()
        rows = ModelRows(model)
        selected = [column.target for column, _sql, _alias in compiler.select]
        if sorted(params) == [_OWNER_SENTINEL, _LOOKUP_SENTINEL] and selected == list(model._meta.concrete_fields):
            statement = _Statement(
                sql, params.index(_OWNER_SENTINEL), params.index(_LOOKUP_SENTINEL), rows, lookup_range, owner_range
            )
    _statements[key] = statement
    return statement


@dataclass(frozen=True)
class _ListStatements:
    count: str  # takes the owner's id
    page: str  # takes the owner's id; LIMIT and OFFSET are added per page, in the database's words
    rows: ModelRows
    owner_range: tuple[int, int]
    ordered: bool


_list_statements: dict[tuple[type, str, str], _ListStatements | None] = {}


def _list_statement(view: GenericAPIView, alias: str) -> _ListStatements | None:
    key = (type(view), alias, view.owner_field)
    if key in _list_statements:
        return _list_statements[key]
    statements = None
    queryset, database = view.queryset, connections[alias]
    model = queryset.model
    owner = model._meta.get_field(view.owner_field)
    owner_range = owner.is_relation and owner.many_to_one and _integer_range(owner.target_field, database)
    if owner_range:
        owned = queryset.using(alias).filter(**{owner.attname: _OWNER_SENTINEL})
        compiler = owned.query.get_compiler(alias)
        page, params = compiler.as_sql()
        ids, id_params = owned.order_by().values("pk").query.get_compiler(alias).as_sql()
        selected = [column.target for column, _sql, _alias in compiler.select]
        if params == id_params == (_OWNER_SENTINEL,) and selected == list(model._meta.concrete_fields):
            count = f"SELECT COUNT(*) FROM ({ids}) owned"  # noqa: S608 (the ORM's own statement)
            statements = _ListStatements(count, page, ModelRows(model), owner_range, queryset.ordered)
    _list_statements[key] = statements
    return statements


class _OwnedRows:
    """A user's rows for Django's Paginator (count() and slices), each one statement compiled once."""

    def __init__(self, statements: _ListStatements, alias: str, owner_id: int) -> None:
        self.statements, self.alias, self.owner_id = statements, alias, owner_id
        self.ordered = statements.ordered

    def count(self) -> int:
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.statements.count, [self.owner_id])
            return cursor.fetchone()[0]

    def __getitem__(self, window: slice) -> list[models.Model]:
        start, stop = window.start or 0, window.stop
        if stop <= start:
            return []  # as a queryset's empty slice: no query
        database = connections[self.alias]
        with database.cursor() as cursor:
            cursor.execute(f"{self.statements.page} {database.ops.limit_offset_sql(start, stop)}", [self.owner_id])
            return self.statements.rows.instances(cursor.fetchall(), database)


class OwnedObjectMixin:
    """DRF's list() and get_object() through statements compiled once, for views of the plain shape (see the module)."""

    owner_field: str = "owner"

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        alias, owner_id = self._plain_shape(), self.request.user.pk
        statements = None if alias is None else _list_statement(self, alias)
        if statements is None or not isinstance(owner_id, int):
            return super().list(request, *args, **kwargs)
        if not statements.owner_range[0] <= owner_id <= statements.owner_range[1]:
            return super().list(request, *args, **kwargs)
        page = self.paginate_queryset(_OwnedRows(statements, alias, owner_id))
        if page is None:  # no pagination: DRF's list of the whole queryset
            return super().list(request, *args, **kwargs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def get_object(self) -> models.Model:
        alias = self._plain_shape()
        statement = None if alias is None else _statement(self, alias)
        if statement is None:
            return super().get_object()
        value = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        owner_id = self.request.user.pk
        if not (isinstance(value, str) and value.isascii() and value.isdigit() and isinstance(owner_id, int)):
            return super().get_object()
        value = int(value)
        if not (
            statement.lookup_range[0] <= value <= statement.lookup_range[1]
            and statement.owner_range[0] <= owner_id <= statement.owner_range[1]
        ):
            return super().get_object()  # the ORM's answer for values the column cannot hold
        params = [None, None]
        params[statement.owner_at], params[statement.lookup_at] = owner_id, value
        database = connections[alias]
        with database.cursor() as cursor:
            cursor.execute(statement.sql, params)
            found = cursor.fetchall()
        if len(found) > 1:
            return super().get_object()  # DRF's path raises MultipleObjectsReturned
        if not found:
            raise Http404
        obj = statement.rows.instances(found, database)[0]
        self.check_object_permissions(self.request, obj)
        return obj

    def _plain_shape(self) -> str | None:
        """The database alias to read (the queryset's `db`: its using() alias, else the routers' db_for_read),
        or None when the view is not of the plain shape."""
        view = type(self)
        if not (
            view.get_queryset is GenericAPIView.get_queryset
            and view.filter_queryset is GenericAPIView.filter_queryset
            and view.paginate_queryset is GenericAPIView.paginate_queryset
            and list(self.filter_backends) == [OwnerFilter]
            and isinstance(self.queryset, QuerySet)
            and _is_plain(self.queryset)
        ):
            return None
        return self.queryset.db
