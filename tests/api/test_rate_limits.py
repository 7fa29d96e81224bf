"""429 with Retry-After: failed logins per account and per address, management requests per org."""

from __future__ import annotations

import dataclasses
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Literal

import pytest
from argon2 import PasswordHasher
from starlette.testclient import TestClient

from tests.conftest import MAIN_BRANCH, PASSWORD, Api, new_user
from veneer.app import create_app
from veneer.errors import TooManyRequests, VeneerError
from veneer.passwords import Passwords
from veneer.services import tokens, users
from veneer.services.context import Services


@pytest.fixture
def strict(services: Services) -> Iterator[tuple[Services, TestClient]]:
    settings = dataclasses.replace(
        services.settings, login_attempts=3, login_attempts_per_address=6, management_rate_limit=5
    )
    strict_services = dataclasses.replace(services, settings=settings)
    address = (
        f"rate-limit-test-{secrets.token_hex(4)}"  # its own address: others' failures don't count
    )
    with TestClient(
        create_app(settings, services=strict_services), client=(address, 50000)
    ) as client:
        yield strict_services, client


def _login(client: TestClient, email: str, password: str) -> Any:
    return client.post("/v3/user-session", json={"user": {"email": email, "password": password}})


def _account(services: Services) -> str:
    email = f"rl-{secrets.token_hex(5)}@example.com"
    users.create_user(services, email, PASSWORD)
    return email


def test_failed_logins_per_account(strict: tuple[Services, TestClient]) -> None:
    services, client = strict
    email = _account(services)
    assert [_login(client, email, "wrong-password").status_code for _ in range(3)] == [
        401,
        401,
        401,
    ]
    refused = _login(client, email, PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert set(refused.json()) == {"error_message", "error_code", "errors"}
    assert (
        _login(client, _account(services), PASSWORD).status_code == 200
    )  # other accounts unaffected


def test_failed_logins_per_address(strict: tuple[Services, TestClient]) -> None:
    services, client = strict
    for _ in range(6):
        assert (
            _login(
                client, f"nobody-{secrets.token_hex(4)}@example.com", "wrong-password"
            ).status_code
            == 401
        )
    assert _login(client, _account(services), PASSWORD).status_code == 429


def test_management_requests_per_organization(
    strict: tuple[Services, TestClient], client: TestClient
) -> None:
    services, strict_client = strict
    email = _account(services)
    token = client.post(
        "/v3/user-session", json={"user": {"email": email, "password": PASSWORD}}
    ).json()["user"]["authtoken"]
    statuses = [
        strict_client.get("/v3/user", headers={"authtoken": token}).status_code for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]


def test_editor_pages_count_against_the_management_limit(
    strict: tuple[Services, TestClient],
) -> None:
    from tests.conftest import Api
    from tests.web.conftest import UI

    services, client = strict
    # A browser of its own address: others' failed logins from the shared test address don't count.
    address = (f"rate-limit-editor-{secrets.token_hex(4)}", 50000)
    ui = UI(client, Api(client, _account(services)), address=address)
    assert ui.login().status_code == 303
    statuses = [ui.http.get("/app/").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def _delivery_token(api: Api) -> str:
    api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)
    scope = [
        {"module": "environment", "environments": ["production"], "acl": {"read": True}},
        MAIN_BRANCH,
    ]
    body = {"token": {"name": "site", "scope": scope}}
    return str(api.ok(api.post("/stacks/delivery_tokens", body), 201)["token"]["token"])


def test_refused_requests_naming_a_stack_never_use_its_organizations_limit(
    strict: tuple[Services, TestClient], api: Api, services: Services, client: TestClient
) -> None:
    """Finding 1: requests that fail the access check (412) are counted against their caller,
    not against the organization owning the stack they name."""
    _, strict_client = strict
    attacker = new_user(services, client)
    attacker.api_key = api.ok(
        attacker.post("/stacks", {"stack": {"name": "Other", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    token = _delivery_token(attacker)
    for headers in ({"access_token": token}, {"authtoken": attacker.authtoken}):
        statuses = [
            strict_client.get(
                "/v3/environments", headers={**headers, "api_key": api.api_key}
            ).status_code
            for _ in range(7)
        ]
        # Counted against the caller's own allowance (the user's includes creating its stack).
        assert statuses[-2:] == [429, 429] and set(statuses) == {412, 429}
    # The victim organization's owner still has its whole allowance.
    victim = [
        strict_client.get("/v3/content_types", headers=api.headers()).status_code for _ in range(6)
    ]
    assert victim == [200] * 5 + [429]


def test_a_management_token_counts_against_its_stacks_organization(
    strict: tuple[Services, TestClient], api: Api
) -> None:
    services, strict_client = strict
    scope = [{"module": "content_type", "acl": {"read": True, "write": True}}, MAIN_BRANCH]
    owner_actor = users.authenticate(services, api.authtoken)
    secret = tokens.create_token(  # not through the API: the organization's count starts at 0
        services, owner_actor, api.api_key, "management", {"name": "ci", "scope": scope}
    )["token"]
    headers = {"authorization": secret, "api_key": api.api_key}
    assert [
        strict_client.get("/v3/content_types", headers=headers).status_code for _ in range(3)
    ] == [200] * 3
    # The same organization: the owner has two requests left this minute.
    owner = [
        strict_client.get("/v3/content_types", headers=api.headers()).status_code for _ in range(3)
    ]
    assert owner == [200, 200, 429]


class GatedHasher(PasswordHasher):
    """A hasher whose checks wait at a gate the test opens, counting how many run at once."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.gate = threading.Event()
        self.lock = threading.Lock()
        self.inside = self.peak = self.entered = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with self.lock:
            self.inside += 1
            self.entered += 1
            self.peak = max(self.peak, self.inside)
        try:
            assert self.gate.wait(10), "the test never opened the gate"
            return super().verify(hash, password)
        finally:
            with self.lock:
                self.inside -= 1


def _wait_until(condition: Callable[[], bool]) -> None:
    for _ in range(1000):
        if condition():
            return
        time.sleep(0.005)
    raise AssertionError("timed out waiting")


def test_concurrent_failed_logins_never_pass_the_limit(services: Services) -> None:
    """Finding 6: 8 wrong-password logins at once against a limit of 3: each reserves its attempt
    before hashing, so only 3 reach the password check and the other 5 are refused with 429."""
    hasher = GatedHasher()
    settings = dataclasses.replace(services.settings, login_attempts=3)
    gated = dataclasses.replace(
        services, settings=settings, passwords=Passwords(hasher, concurrency=8)
    )
    email = _account(services)
    address = f"race-{secrets.token_hex(4)}"
    outcomes: list[int] = []

    def attempt() -> None:
        try:
            users.login(gated, email, "wrong-password", address)
        except VeneerError as exc:
            outcomes.append(exc.status)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    _wait_until(lambda: len(outcomes) + hasher.inside == 8)
    hasher.gate.set()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [401] * 3 + [429] * 5
    assert hasher.entered == 3
    # The right password is refused too until the window ends; other accounts are unaffected.
    with pytest.raises(TooManyRequests):
        users.login(gated, email, PASSWORD, address)
    hasher.gate.set()
    assert users.login(gated, _account(services), PASSWORD, address)["authtoken"]


def test_a_successful_login_gives_its_attempt_back(strict: tuple[Services, TestClient]) -> None:
    services, client = strict
    email = _account(services)
    for _ in range(5):
        assert _login(client, email, PASSWORD).status_code == 200
    assert [_login(client, email, "wrong-password").status_code for _ in range(4)] == [401] * 3 + [
        429
    ]


def test_password_hashes_run_at_most_concurrency_at_once() -> None:
    """Each argon2 hash holds its memory while it runs: a process runs at most `concurrency`."""
    hasher = GatedHasher()
    passwords = Passwords(hasher, concurrency=2)
    stored = passwords.hash("correct horse battery")
    threads = [
        threading.Thread(target=passwords.verify, args=(stored, "wrong horse battery"))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    _wait_until(lambda: hasher.inside == 2)
    time.sleep(0.05)  # the four others are queued at the semaphore, not in the hasher
    assert hasher.inside == 2
    hasher.gate.set()
    for thread in threads:
        thread.join()
    assert hasher.peak == 2 and hasher.entered == 6


def test_a_hash_that_waits_too_long_for_its_turn_is_a_429() -> None:
    hasher = GatedHasher()
    passwords = Passwords(hasher, concurrency=1, wait=0.05)
    stored = Passwords.cheap().hash("correct horse battery")
    first = threading.Thread(target=passwords.verify, args=(stored, "wrong horse battery"))
    first.start()
    _wait_until(lambda: hasher.inside == 1)
    with pytest.raises(TooManyRequests):
        passwords.verify(stored, "correct horse battery")
    hasher.gate.set()
    first.join()
    assert passwords.verify(stored, "correct horse battery") is True


def test_behind_a_trusted_proxy_logins_count_per_forwarded_address(services: Services) -> None:
    """Behind a proxy every client shares its address: the login limit per address then counts
    the client a trusted proxy names in X-Forwarded-For (anyone else's header is ignored)."""
    proxy = f"10.9.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    settings = dataclasses.replace(
        services.settings, login_attempts_per_address=2, trusted_proxies="10.9.0.0/16"
    )
    behind = dataclasses.replace(services, settings=settings)
    attacker, neighbour = (f"203.0.113.{secrets.randbelow(250) + 1}" for _ in range(2))
    with TestClient(create_app(settings, services=behind), client=(proxy, 50000)) as client:

        def login(forwarded_for: str, password: str) -> int:
            body = {"user": {"email": _account(behind), "password": password}}
            headers = {"x-forwarded-for": f"198.51.100.7, {forwarded_for}"}
            return client.post("/v3/user-session", json=body, headers=headers).status_code

        assert [login(attacker, "wrong-password") for _ in range(3)] == [401, 401, 429]
        assert login(neighbour, PASSWORD) == 200  # another client behind the same proxy
    # Not a trusted proxy: its X-Forwarded-For is anyone's to write, the socket's peer counts.
    stranger = f"stranger-{secrets.token_hex(4)}"
    with TestClient(create_app(settings, services=behind), client=(stranger, 50000)) as client:
        for forwarded_for in ("192.0.2.1", "192.0.2.2"):
            body = {"user": {"email": _account(behind), "password": "wrong-password"}}
            headers = {"x-forwarded-for": forwarded_for}
            assert client.post("/v3/user-session", json=body, headers=headers).status_code == 401
        body = {"user": {"email": _account(behind), "password": PASSWORD}}
        headers = {"x-forwarded-for": "192.0.2.3"}
        assert client.post("/v3/user-session", json=body, headers=headers).status_code == 429


def test_a_successful_password_reset_gives_its_attempt_back(
    strict: tuple[Services, TestClient],
) -> None:
    """Reset calls count against the per-address login limit (6 here), but one that succeeds
    gives its slot back, as a successful login does: seven successful resets in a row pass."""
    services, client = strict
    email = _account(services)
    for n in range(7):
        token = users.issue_password_reset(services, email)
        password = f"new password {n}"
        body = {
            "reset_password_token": token,
            "password": password,
            "password_confirmation": password,
        }
        assert client.post("/v3/user/reset_password", json={"user": body}).status_code == 200
    bad = {
        "reset_password_token": "nope",
        "password": "whatever1",
        "password_confirmation": "whatever1",
    }
    statuses = [
        client.post("/v3/user/reset_password", json={"user": bad}).status_code for _ in range(7)
    ]
    assert statuses == [422] * 6 + [429]
