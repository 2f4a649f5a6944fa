"""Our five item MCP tools re-implemented with FastMCP, for the bench: the reference /mcp is measured against.

As FastMCP's documentation serves it: stateless HTTP with JSON answers, a static bearer token, uvicorn
(`uvicorn app:app --workers 2`). It reads and writes the bench's own database (the project's SQLite file,
table items_item) with stdlib sqlite3, one connection per process, as the one user the token stands for,
and answers what our tools answer: the same names, arguments and structured JSON. Not part of the project:
bench/throughput.py runs it from its own virtualenv (data/bench/venv-fastmcp), never from requirements.txt.

    FASTMCP_DATABASE=db.sqlite3 FASTMCP_TOKEN=… FASTMCP_OWNER=<user id> uvicorn app:app --workers 2
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from fastmcp import FastMCP
from fastmcp.exceptions import ToolError
from fastmcp.server.auth.providers.jwt import StaticTokenVerifier
from pydantic import BaseModel, Field

OWNER = int(os.environ["FASTMCP_OWNER"])
connection = sqlite3.connect(os.environ["FASTMCP_DATABASE"], check_same_thread=False, isolation_level=None)
COLUMNS = "id, name, description, price, tax, created_at, updated_at"
AMOUNT = Field(ge=0, le=9999999999.99)
TEXT_ID = Annotated[int, Field(description="The item's id, from list_items or create_item.")]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]+$")]
Description = Annotated[str, Field(max_length=1000, pattern=r"^[^\x00]*$")]


class Item(BaseModel):
    id: int
    name: str
    description: str
    price: float
    tax: float | None
    created_at: str
    updated_at: str


class Page(BaseModel):
    count: int
    next: int | None
    previous: int | None
    results: list[Item]


def _timestamp(stored: str) -> str:
    return stored.replace(" ", "T") + "Z"  # Django's SQLite text (UTC) as DRF writes it


def _item(row: tuple) -> Item:
    id_, name, description, price, tax, created, updated = row
    return Item(
        id=id_,
        name=name,
        description=description,
        price=float(price),
        tax=None if tax is None else float(tax),
        created_at=_timestamp(created),
        updated_at=_timestamp(updated),
    )


def _cents(amount: float | None) -> float | None:
    return None if amount is None else float(Decimal(str(amount)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _owned(item_id: int) -> Item:
    row = connection.execute(f"SELECT {COLUMNS} FROM items_item WHERE id = ? AND owner_id = ?", (item_id, OWNER))
    found = row.fetchone()
    if found is None:
        raise ToolError(f"No item {item_id} among yours. Call list_items to see the ids of your items.")
    return _item(found)


mcp = FastMCP("items", auth=StaticTokenVerifier({os.environ["FASTMCP_TOKEN"]: {"client_id": "bench", "scopes": []}}))
READ = {"readOnlyHint": True, "destructiveHint": False, "idempotentHint": True, "openWorldHint": False}


@mcp.tool(title="List items", annotations=READ)
async def list_items(page: Annotated[int, Field(ge=1)] = 1, page_size: Annotated[int, Field(ge=1, le=50)] = 20) -> Page:
    """List the user's items. Returns the user's items, newest first, 20 per page."""
    count = connection.execute("SELECT count(*) FROM items_item WHERE owner_id = ?", (OWNER,)).fetchone()[0]
    if page > 1 and (page - 1) * page_size >= count:
        raise ToolError("There is no such page: call again with a smaller page, or without page.")
    rows = connection.execute(
        f"SELECT {COLUMNS} FROM items_item WHERE owner_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
        (OWNER, page_size, (page - 1) * page_size),
    )
    return Page(
        count=count,
        next=page + 1 if page * page_size < count else None,
        previous=page - 1 if page > 1 else None,
        results=[_item(row) for row in rows],
    )


@mcp.tool(title="Get an item", annotations=READ)
async def get_item(id: TEXT_ID) -> Item:
    """Get one item. Returns one of the user's items by its id."""
    return _owned(id)


@mcp.tool(title="Create an item", annotations={"readOnlyHint": False, "destructiveHint": False})
async def create_item(
    name: Name,
    price: Annotated[float, AMOUNT],
    description: Description = "",
    tax: Annotated[float | None, AMOUNT] = None,
) -> Item:
    """Create an item. Adds an item for the user and returns it with its id."""
    now = _now()
    cursor = connection.execute(
        "INSERT INTO items_item (owner_id, name, description, price, tax, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (OWNER, name, description, _cents(price), _cents(tax), now, now),
    )
    return _owned(cursor.lastrowid)


@mcp.tool(title="Update an item", annotations={"readOnlyHint": False, "destructiveHint": False, "idempotentHint": True})
async def update_item(
    id: TEXT_ID,
    name: Name | None = None,
    description: Description | None = None,
    price: Annotated[float | None, AMOUNT] = None,
    tax: Annotated[float | None, AMOUNT] = None,
) -> Item:
    """Update an item. Changes only the fields given."""
    _owned(id)
    changes: dict[str, Any] = {"name": name, "description": description, "price": _cents(price), "tax": _cents(tax)}
    changes = {column: value for column, value in changes.items() if value is not None}
    assignments = ", ".join(f"{column} = ?" for column in [*changes, "updated_at"])
    connection.execute(f"UPDATE items_item SET {assignments} WHERE id = ?", (*changes.values(), _now(), id))
    return _owned(id)


class Deleted(BaseModel):
    id: int
    deleted: bool


@mcp.tool(title="Delete an item", annotations={"readOnlyHint": False, "destructiveHint": True, "idempotentHint": True})
async def delete_item(id: TEXT_ID) -> Deleted:
    """Delete an item. Deletes one of the user's items for good."""
    _owned(id)
    connection.execute("DELETE FROM items_item WHERE id = ?", (id,))
    return Deleted(id=id, deleted=True)


app = mcp.http_app(path="/mcp", stateless_http=True, json_response=True)
