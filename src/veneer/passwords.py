"""Password hashing (argon2id). The cost is a parameter so that tests can make it cheap; production
uses argon2-cffi's defaults (the RFC 9106 low-memory profile: 64 MiB per hash).

Each hash holds its memory for its whole run, so a process runs at most `concurrency` of them at
once (the `password_hashes` setting); the others wait their turn, for at most `wait` seconds (then
429: the server is busy hashing). Logins reserve their rate-limit slot first
(`services.users.login`), which bounds how many can queue here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from veneer.errors import TooManyRequests

CONCURRENCY = 2
WAIT = 10.0  # seconds a hash waits for its turn


class Passwords:
    def __init__(
        self,
        hasher: PasswordHasher | None = None,
        concurrency: int = CONCURRENCY,
        wait: float = WAIT,
    ) -> None:
        self.hasher = hasher or PasswordHasher()
        self.slots = threading.BoundedSemaphore(max(1, concurrency))
        self.wait = wait

    @contextmanager
    def _turn(self) -> Iterator[None]:
        if not self.slots.acquire(timeout=self.wait):
            raise TooManyRequests(1, "The server is busy checking passwords. Please retry.")
        try:
            yield
        finally:
            self.slots.release()

    @classmethod
    def cheap(cls) -> Passwords:
        """Fast and weak: for test suites only, never for stored accounts."""
        return cls(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))

    def hash(self, password: str) -> str:
        with self._turn():
            return self.hasher.hash(password)

    @cached_property
    def _dummy(self) -> str:
        # Verifying against this keeps a login for an unknown email as slow as one for a known email.
        return self.hash("veneer-dummy-password")

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether `password` matches `stored`; with no stored hash, spends the same time and fails."""
        hashed = stored or self._dummy
        try:
            with self._turn():
                return self.hasher.verify(hashed, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False
