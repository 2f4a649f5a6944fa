"""A short memory, per process, of the API keys and OAuth access tokens this process has verified.

A busy credential then costs no query: verifying a key from the database compiles and runs a query
(about a third of the ~1.15 ms an authenticated GET cost before: cProfile's share of bench/hotpath.py's
time), an OAuth token goes through oauthlib as well (instructions per GET: 10.2 M before, 2.7 M after).
An entry is trusted for API_AUTH_CACHE_SECONDS (0: never kept), so a key revoked, a token deleted or a
user deactivated elsewhere (another worker, another server) is refused at most that long after. Expiry
is checked on every request, and in this process a change saved through the ORM evicts the entry at
once (gptactions.signals).

Entries are keyed by the SHA-256 of the raw credential: a hit means this exact value was verified.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

Credential = TypeVar("Credential")


class VerifiedCredentials(Generic[Credential]):
    def __init__(self, max_entries: int = 20_000) -> None:
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, Credential]] = {}

    def get(self, digest: str) -> Credential | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            self._entries.pop(digest, None)
            return None
        return entry[1]

    def put(self, digest: str, credential: Credential, lifetime: float) -> None:
        if lifetime <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()  # a flood of distinct credentials: start over rather than grow
        self._entries[digest] = (time.monotonic() + lifetime, credential)

    def evict(self, matches: Callable[[Credential], bool]) -> None:
        for digest, (_expiry, credential) in list(self._entries.items()):
            if matches(credential):
                self._entries.pop(digest, None)

    def clear(self) -> None:
        self._entries.clear()


api_keys: VerifiedCredentials = VerifiedCredentials()
access_tokens: VerifiedCredentials = VerifiedCredentials()
