"""The API-key format: `gpta_` + 40 letters and digits; stored as a lookup prefix and a SHA-256 hash."""

from __future__ import annotations

import hashlib
import re
import secrets
import string

KEY_PREFIX = "gpta_"
_LOOKUP_LENGTH = 8
_SECRET_LENGTH = 32
_ALPHABET = string.ascii_letters + string.digits
_RAW_KEY = re.compile(rf"^{KEY_PREFIX}[A-Za-z0-9]{{{_LOOKUP_LENGTH + _SECRET_LENGTH}}}$")
STORED_PREFIX_LENGTH = len(KEY_PREFIX) + _LOOKUP_LENGTH


def new_raw_key() -> str:
    return KEY_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(_LOOKUP_LENGTH + _SECRET_LENGTH))


def is_well_formed(raw_key: str) -> bool:
    return bool(_RAW_KEY.match(raw_key))


def stored_prefix(raw_key: str) -> str:
    return raw_key[:STORED_PREFIX_LENGTH]


def key_hash(raw_key: str) -> str:
    # The key is 190 bits of randomness, so a fast unsalted hash is enough (as for GitHub tokens).
    return hashlib.sha256(raw_key.encode()).hexdigest()
