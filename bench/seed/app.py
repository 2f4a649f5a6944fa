"""The service this project replaces, re-implemented for the bench: FastAPI + stdlib sqlite3, one table.

As its users ran it: `uvicorn app:app` (one worker). Endpoints are `async def` calling the blocking
sqlite3 connection inline, one connection per process. Not part of the project: bench/throughput.py
runs it from its own virtualenv (data/bench/venv-*), never from requirements.txt.
"""

from __future__ import annotations

import hmac
import os
import sqlite3

from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel

API_KEY = os.environ["SEED_API_KEY"]
connection = sqlite3.connect(os.environ.get("SEED_DATABASE", "seed.db"), check_same_thread=False)
connection.execute(
    "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT, description TEXT, price REAL, tax REAL)"
)
connection.execute("INSERT OR IGNORE INTO items VALUES (1, 'ChatGPT', 'OpenAI LLM', 20.0, NULL)")
connection.commit()

app = FastAPI()


class Item(BaseModel):
    id: int
    name: str
    description: str | None = None
    price: float
    tax: float | None = None


def check_api_key(authorization: str | None) -> None:
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(key.encode(), API_KEY.encode()):
        raise HTTPException(status_code=401, detail="Invalid API key", headers={"WWW-Authenticate": "Bearer"})


@app.get("/items/{item_id}", response_model=Item)
async def read_item(item_id: int, authorization: str | None = Header(default=None)) -> Item:
    check_api_key(authorization)
    row = connection.execute("SELECT id, name, description, price, tax FROM items WHERE id = ?", (item_id,)).fetchone()
    if row is None:
        raise HTTPException(status_code=404, detail="Item not found")
    return Item(id=row[0], name=row[1], description=row[2], price=row[3], tax=row[4])
