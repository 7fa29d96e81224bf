"""Password hashing (argon2id). The cost is a parameter so that tests can make it cheap; production
uses argon2-cffi's defaults (the RFC 9106 low-memory profile)."""

from __future__ import annotations

from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Passwords:
    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()

    @classmethod
    def cheap(cls) -> Passwords:
        """Fast and weak: for test suites only, never for stored accounts."""
        return cls(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    @cached_property
    def _dummy(self) -> str:
        # Verifying against this keeps a login for an unknown email as slow as one for a known email.
        return self.hasher.hash("veneer-dummy-password")

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether `password` matches `stored`; with no stored hash, spends the same time and fails."""
        try:
            return self.hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False
