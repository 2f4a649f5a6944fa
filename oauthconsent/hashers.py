"""A fast hash for OAuth client secrets (issue 10, finding 4), named in OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"].

A slow password hash (PBKDF2, a million rounds) protects what people choose: few bits, guessable. A
client secret is 128 random letters and digits (DOT's generate_client_secret, about 760 bits), which no
one can guess from a SHA-256 of it; so it costs microseconds, as API keys do, and a flood of token
requests with a wrong secret no longer burns 0.3 s of CPU each.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.crypto import constant_time_compare


class ClientSecretSHA256Hasher(BasePasswordHasher):
    """Salted SHA-256: `client_secret_sha256$<salt>$<hex digest>`.

    Listed in PASSWORD_HASHERS so that DOT's make_password and check_password find it; it is never the
    first entry, so no user password is hashed with it.
    """

    algorithm = "client_secret_sha256"

    def encode(self, password: str, salt: str) -> str:
        self._check_encode_args(password, salt)
        digest = hashlib.sha256((salt + password).encode()).hexdigest()
        return f"{self.algorithm}${salt}${digest}"

    def decode(self, encoded: str) -> dict[str, str]:
        algorithm, salt, digest = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "hash": digest, "salt": salt}

    def verify(self, password: str, encoded: str) -> bool:
        return constant_time_compare(encoded, self.encode(password, self.decode(encoded)["salt"]))

    def safe_summary(self, encoded: str) -> dict[str, str]:
        decoded = self.decode(encoded)
        return {
            "algorithm": decoded["algorithm"],
            "salt": mask_hash(decoded["salt"]),
            "hash": mask_hash(decoded["hash"]),
        }

    def harden_runtime(self, password: str, encoded: str) -> None:
        pass
