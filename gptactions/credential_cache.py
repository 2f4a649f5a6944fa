"""A short memory, per process, of the API keys and OAuth access tokens this process has verified.

A busy credential then costs no query: verifying a key from the database compiles and runs a query
(about a third of the ~1.15 ms an authenticated GET cost before: cProfile's share of bench/hotpath.py's
time), an OAuth token goes through oauthlib as well (instructions per GET: 10.2 M before, 2.7 M after).
An entry is trusted for API_AUTH_CACHE_SECONDS (0: never kept), so a key revoked, a token deleted or a
user deactivated elsewhere (another worker, another server) is refused at most that long after. Expiry
is checked on every request, and in this process a change saved through the ORM evicts the entry at
once (gptactions.signals).

Entries are keyed by the SHA-256 of the raw credential: a hit means this exact value was verified.

What is kept is a Snapshot of the credential's row (and of the rows cached with it: the key's or token's
user, the token's application), never the instances themselves: every hit gets instances of its own,
made as the ORM makes them from rows (Model.from_db), so a view that changes request.user or
request.auth changes nothing another request sees.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar
from uuid import UUID

from django.db import models

Credential = TypeVar("Credential", bound=models.Model)

# Field values of these types cannot be changed in place, so a snapshot hands them out as they are.
_IMMUTABLE = (str, int, float, bool, bytes, Decimal, datetime, date, timedelta, UUID, type(None))


@dataclass(frozen=True)
class Snapshot:
    """A model instance's loaded field values and the related instances cached on it, as plain data."""

    model: type[models.Model]
    db: str | None
    attnames: tuple[str, ...]
    values: tuple[Any, ...]
    mutable: tuple[int, ...]  # positions of values (JSON, lists) copied anew for each instance
    related: tuple[tuple[str, Snapshot | None], ...]

    @classmethod
    def of(cls, instance: models.Model) -> Snapshot:
        loaded = instance.__dict__  # deferred fields stay deferred
        attnames = tuple(f.attname for f in instance._meta.concrete_fields if f.attname in loaded)
        values = tuple(loaded[attname] for attname in attnames)
        related = tuple(
            (name, None if other is None else cls.of(other)) for name, other in instance._state.fields_cache.items()
        )
        mutable = tuple(n for n, value in enumerate(values) if not isinstance(value, _IMMUTABLE))
        return cls(type(instance), instance._state.db, attnames, values, mutable, related)

    def value(self, attname: str) -> Any:
        return self.values[self.attnames.index(attname)]

    @property
    def pk(self) -> Any:
        return self.value(self.model._meta.pk.attname)

    def instance(self) -> models.Model:
        values = self.values
        if self.mutable:
            values = list(values)
            for position in self.mutable:
                values[position] = copy.deepcopy(values[position])
        instance = self.model.from_db(self.db, self.attnames, values)
        for name, other in self.related:
            instance._state.fields_cache[name] = None if other is None else other.instance()
        return instance


class VerifiedCredentials(Generic[Credential]):
    def __init__(self, max_entries: int = 20_000) -> None:
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, Snapshot]] = {}

    def get(self, digest: str) -> Credential | None:
        """A new instance of the credential verified as digest (with its related instances), or None."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            self._entries.pop(digest, None)
            return None
        return entry[1].instance()

    def put(self, digest: str, credential: Credential, lifetime: float) -> None:
        if lifetime <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()  # a flood of distinct credentials: start over rather than grow
        self._entries[digest] = (time.monotonic() + lifetime, Snapshot.of(credential))

    def update(self, digest: str, credential: Credential) -> None:
        """Remember credential's values from now on (a bookkeeping field changed), trusted no longer than before."""
        entry = self._entries.get(digest)
        if entry is not None:
            self._entries[digest] = (entry[0], Snapshot.of(credential))

    def evict(self, matches: Callable[[Snapshot], bool]) -> None:
        """Forget every credential whose snapshot matches (`snapshot.pk`, `snapshot.value("user_id")`)."""
        for digest, (_expiry, snapshot) in list(self._entries.items()):
            if matches(snapshot):
                self._entries.pop(digest, None)

    def clear(self) -> None:
        self._entries.clear()


api_keys: VerifiedCredentials = VerifiedCredentials()
access_tokens: VerifiedCredentials = VerifiedCredentials()
