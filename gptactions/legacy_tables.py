"""Rows kept across the move of the platform out of the example app (0.2.0): a table under its old name is copied.

Before 0.2.0, API keys lived in `items_apikey` and calls in `calllog_call`. The migrations that create their
new tables copy whatever the old ones hold, ids included, so keys keep working and the log keeps its history.
On a fresh database the old tables don't exist, and nothing happens.
"""

from __future__ import annotations

from typing import Any

from django.core.management.color import no_style
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def copy_rows_from_table(old_table: str, app_label: str, model_name: str) -> Any:
    """A RunPython function copying old_table's rows into the model's table (columns of the same names)."""

    def copy(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
        connection = schema_editor.connection
        if old_table not in connection.introspection.table_names():
            return
        model = apps.get_model(app_label, model_name)
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            old_columns = {column.name for column in connection.introspection.get_table_description(cursor, old_table)}
            columns = ", ".join(quote(f.column) for f in model._meta.concrete_fields if f.column in old_columns)
            new_table = quote(model._meta.db_table)
            cursor.execute(f"INSERT INTO {new_table} ({columns}) SELECT {columns} FROM {quote(old_table)}")  # noqa: S608
            for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
                cursor.execute(statement)

    return copy
