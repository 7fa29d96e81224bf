"""The production password hasher: argon2id at argon2-cffi's default cost (the suite uses a cheap one)."""

from __future__ import annotations

from pathlib import Path

from argon2 import PasswordHasher, extract_parameters

from veneer.passwords import Passwords
from veneer.services.context import Services
from veneer.settings import Settings
from veneer.store import open_store


def test_production_cost_is_the_default() -> None:
    passwords = Passwords()
    stored = passwords.hash("correct horse battery")
    params = extract_parameters(stored)
    default = PasswordHasher()
    assert (params.time_cost, params.memory_cost, params.parallelism) == (
        default.time_cost,
        default.memory_cost,
        default.parallelism,
    )
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, "correct horse battery") is True
    assert passwords.verify(stored, "wrong horse battery") is False
    assert passwords.verify(None, "correct horse battery") is False


def test_services_hash_at_production_cost_unless_told(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'veneer.db'}")
    try:
        services = Services(store=store, settings=Settings(database_url=store.url))
        stored = services.passwords.hash("correct horse battery")
    finally:
        store.dispose()
    assert extract_parameters(stored).time_cost == PasswordHasher().time_cost
    assert extract_parameters(Passwords.cheap().hash("x" * 12)).time_cost == 1
