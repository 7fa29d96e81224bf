"""The storage contract, part 1: transactions, the translation of what the database refuses, the
change log, accounts, stacks, tokens, jobs and rate counters. Every test runs unchanged on SQLite
and on PostgreSQL (the `services` fixture is parametrized over both)."""

from __future__ import annotations

import pytest

from tests.store.conftest import changes_after, entry, last_seq, second_writer_waits, stack_row
from veneer import ids
from veneer.errors import Conflict, ValidationFailed
from veneer.store import Store, Transaction, open_store


def content_type(uid: str) -> dict[str, object]:
    return {"uid": uid, "title": uid, "schema": [], "created_at": ids.now()}


# -- transactions --------------------------------------------------------------------------------
def test_a_write_commits_and_a_read_sees_it(store: Store, stack: str) -> None:
    page = content_type("page")
    with store.write() as tx:
        tx.content_types.add(stack, page)
    with store.read() as tx:
        assert tx.content_types.get(stack, "page") == page


def test_a_write_rolls_back_entirely_on_an_exception(store: Store, stack: str) -> None:
    before = last_seq(store)
    with pytest.raises(RuntimeError), store.write() as tx:
        tx.content_types.add(stack, content_type("page"))
        tx.entries.save(stack, "page", entry("blt1"), new=True)
        tx.publications.put(
            stack,
            "env",
            "en-us",
            "blt1",
            "",
            "page",
            entry("blt1"),
            published_at="t",
            published_by="u",
        )
        raise RuntimeError("the service failed half-way")
    with store.read() as tx:
        assert tx.content_types.get(stack, "page") is None
        assert tx.entries.latest(stack, "page", "blt1", "en-us") is None
        assert not tx.publications.exists(stack, "env", "en-us", "blt1", "")
    assert [c for c in changes_after(store, before) if c["stack"] == stack] == []


def test_a_savepoint_rolls_back_alone(store: Store, stack: str) -> None:
    with store.write() as tx:
        tx.content_types.add(stack, content_type("kept"))
        with pytest.raises(RuntimeError), tx.savepoint():
            tx.content_types.add(stack, content_type("dropped"))
            raise RuntimeError
    with store.read() as tx:
        assert [ct["uid"] for ct in tx.content_types.all(stack)] == ["kept"]


# -- what the database refuses -------------------------------------------------------------------
def test_a_duplicate_key_is_a_conflict_and_nothing_is_written(store: Store, stack: str) -> None:
    with store.write() as tx:
        tx.content_types.add(stack, content_type("page"))
    with pytest.raises(Conflict) as refused, store.write() as tx:
        tx.environments.add(stack, {"uid": "blt-env", "name": "production"})
        tx.content_types.add(stack, content_type("page"))
    assert refused.value.status == 422 and refused.value.errors == {
        "body": ["could not be stored."]
    }
    assert "Nothing was saved." in refused.value.message
    with store.read() as tx:
        assert tx.environments.find(stack, "production") is None


def test_a_number_out_of_its_column_range_is_422(store: Store) -> None:
    key = f"contract:{ids.blt()}"
    with pytest.raises(ValidationFailed) as refused, store.write() as tx:
        tx.rate_counters.hit(key, 1)
        tx.rate_counters.hit(key, 2**70)  # rate_counters.window is a 64-bit integer
    assert refused.value.status == 422 and not isinstance(refused.value, Conflict)
    with store.read() as tx:
        assert tx.rate_counters.count(key, 1) == 0


def test_a_string_too_long_for_its_column(store: Store, stack: str) -> None:
    """PostgreSQL refuses it (422, nothing written); SQLite does not enforce widths: stored."""
    uid = "x" * 65  # content_types.uid holds 64
    try:
        with store.write() as tx:
            tx.content_types.add(stack, content_type(uid))
    except ValidationFailed as refused:
        assert store.dialect == "postgresql" and refused.status == 422
        with store.read() as tx:
            assert tx.content_types.all(stack) == []
    else:
        assert store.dialect == "sqlite"


def test_two_first_localizations_of_one_entry_clash_as_a_concurrent_change(
    store: Store, stack: str
) -> None:
    with store.write() as tx:
        tx.entries.save(stack, "page", entry("blt1", "fr-fr"), new=True)
    with pytest.raises(ValidationFailed) as refused, store.write() as tx:
        tx.entries.save(stack, "page", entry("blt1", "fr-fr"), new=True)
    assert refused.value.status == 422
    assert refused.value.errors == {"entry": ["was changed concurrently."]}


# -- the change log ------------------------------------------------------------------------------
def test_the_change_log_numbers_changes_in_order(store: Store, stack: str) -> None:
    before = last_seq(store)
    with store.write() as tx:
        first = tx.changes.record(stack, "env", "en-us", "blt1", "", "page")
        second = tx.changes.record(stack)
    assert before < first < second
    rows = [c for c in changes_after(store, before) if c["stack"] == stack]
    assert [(r["seq"], r["environment"], r["entry"], r["content_type"]) for r in rows] == [
        (first, "env", "blt1", "page"),
        (second, "", "", ""),
    ]


def test_the_change_log_follows_commit_order(store: Store, stack: str) -> None:
    """A writer that records a change while another one holds an uncommitted change waits for
    it: no reader can see a later number committed before an earlier one."""
    first, second, took = second_writer_waits(
        store, lambda tx: tx.changes.record(stack), lambda tx: tx.changes.record(stack)
    )
    assert second > first and took >= 0.3


# -- accounts ------------------------------------------------------------------------------------
def user_row(email: str) -> dict[str, str]:
    now = ids.now()
    return {
        "uid": ids.blt(),
        "email": email,
        "password_hash": "hash",
        "first_name": "Ada",
        "last_name": "L",
        "created_at": now,
        "updated_at": now,
    }


def test_users(store: Store) -> None:
    email = f"{ids.blt()}@example.com"
    row = user_row(email)
    with store.write() as tx:
        tx.accounts.add_user(row)
    with store.read() as tx:
        assert tx.accounts.any_user()
        assert tx.accounts.user(row["uid"]) == row
        assert tx.accounts.user_by_email(email) == row
        assert tx.accounts.user("blt-nobody") is None and tx.accounts.user_by_email("no@x") is None
        first = tx.accounts.first_user()
        assert first is not None and first["created_at"] <= row["created_at"]


def test_organizations_and_members(store: Store) -> None:
    owner, member, org = ids.blt(), ids.blt(), ids.blt()
    with store.write() as tx:
        tx.accounts.add_organization(org, "Acme", owner, ids.now())
        tx.accounts.add_member(org, member, "member")
    with store.read() as tx:
        assert tx.accounts.role(org, owner) == "owner"
        assert tx.accounts.role(org, member) == "member"
        assert tx.accounts.role(org, "blt-stranger") is None
        assert tx.accounts.memberships(member) == [{"uid": org, "name": "Acme", "role": "member"}]
        assert tx.accounts.memberships("blt-stranger") == []


def test_sessions(store: Store) -> None:
    token_hash, user = ids.token_hash(ids.token()), ids.blt()
    with store.write() as tx:
        tx.accounts.add_session(token_hash, user, "2026-01-01", "2026-01-02")
    with store.read() as tx:
        assert tx.accounts.session(token_hash) == {
            "token_hash": token_hash,
            "user_uid": user,
            "created_at": "2026-01-01",
            "expires_at": "2026-01-02",
        }
    with store.write() as tx:
        tx.accounts.end_session(token_hash)
    with store.read() as tx:
        assert tx.accounts.session(token_hash) is None


# -- stacks and tokens ---------------------------------------------------------------------------
def test_stacks(store: Store) -> None:
    org, user, key = ids.blt(), ids.blt(), ids.blt()
    row = stack_row(key, org)
    with store.write() as tx:
        tx.accounts.add_organization(org, "Acme", user, ids.now())
        tx.stacks.add(row)
        tx.stacks.update(key, name="Renamed", settings={"variant_limit": 2})
    with store.read() as tx:
        assert tx.stacks.get(key) == row | {"name": "Renamed", "settings": {"variant_limit": 2}}
        assert [s["api_key"] for s in tx.stacks.of_user(user)] == [key]
        assert tx.stacks.organization(key) == {"uid": org, "settings": {}}
        assert tx.stacks.get("blt-none") is None and tx.stacks.organization("blt-none") is None


def test_deleting_a_stack_deletes_what_it_owns_and_nothing_else(store: Store, stack: str) -> None:
    other = ids.blt()
    with store.write() as tx:
        tx.stacks.add(stack_row(other))
        for key in (stack, other):
            tx.content_types.add(key, content_type("page"))
            tx.entries.save(key, "page", entry("blt1"), new=True)
            tx.environments.add(key, {"uid": "blt-env", "name": "production"})
    with store.write() as tx:
        tx.stacks.delete(stack)
    with store.read() as tx:
        assert tx.stacks.get(stack) is None and tx.content_types.all(stack) == []
        assert tx.entries.history(stack, "blt1", "en-us") == []
        assert tx.environments.all(stack) == [] and tx.locales.all(stack) == []
        assert tx.stacks.get(other) is not None and len(tx.content_types.all(other)) == 1
        assert tx.entries.latest(other, "page", "blt1", "en-us") == entry("blt1")


def role_doc(name: str, created_at: str) -> dict[str, object]:
    return {"uid": ids.blt(), "name": name, "rules": [], "created_at": created_at}


def test_custom_roles(store: Store, stack: str) -> None:
    """Paged oldest first by the database, found by uid and name, unique by name in a stack
    (another stack may reuse it), deleted with their stack."""
    other = ids.blt()
    roles = [role_doc(f"Role {n}", f"2026-01-0{n + 1}") for n in range(3)]
    with store.write() as tx:
        tx.stacks.add(stack_row(other))
        for doc in reversed(roles):
            tx.roles.add(stack, doc)
        tx.roles.add(other, role_doc("Role 0", "2026-01-01"))
        tx.roles.replace(stack, {**roles[2], "name": "Renamed"})
    roles[2] = {**roles[2], "name": "Renamed"}
    with store.read() as tx:
        assert tx.roles.page(stack, 0, 10) == roles and tx.roles.page(stack, 1, 1) == roles[1:2]
        assert tx.roles.count(stack) == 3 and tx.roles.count(other) == 1
        assert (
            tx.roles.named(stack, "Renamed") == roles[2] and tx.roles.named(stack, "Role 2") is None
        )
        assert tx.roles.known(stack, [str(roles[0]["uid"]), "blt-none"]) == {roles[0]["uid"]}
        assert tx.roles.get(other, str(roles[0]["uid"])) is None
    with pytest.raises(Conflict), store.write() as tx:
        tx.roles.add(stack, role_doc("Role 0", "2026-02-01"))
    with store.write() as tx:
        tx.roles.delete(stack, str(roles[0]["uid"]))
        assert tx.roles.count(stack) == 2
        tx.stacks.delete(stack)
    with store.read() as tx:
        assert (tx.roles.count(stack), tx.roles.count(other)) == (0, 1)


def token_row(stack: str, kind: str, created_at: str) -> dict[str, object]:
    return {
        "uid": ids.blt(),
        "stack": stack,
        "kind": kind,
        "token_hash": ids.token_hash(ids.token()),
        "doc": {"name": kind, "scope": []},
        "created_by": "owner",
        "created_at": created_at,
        "updated_at": created_at,
    }


def test_tokens(store: Store, stack: str) -> None:
    older = token_row(stack, "delivery", "2026-01-01")
    newer = token_row(stack, "delivery", "2026-01-02")
    management = token_row(stack, "management", "2026-01-01")
    with store.write() as tx:
        for row in (newer, older, management):
            tx.tokens.add(row)
        tx.tokens.update(str(newer["uid"]), {"name": "renamed"}, "2026-02-01")
    renamed = newer | {"doc": {"name": "renamed"}, "updated_at": "2026-02-01"}
    with store.read() as tx:
        assert tx.tokens.of_stack(stack, "delivery") == [older, renamed]
        assert tx.tokens.get(stack, "management", str(management["uid"])) == management
        assert tx.tokens.get(stack, "delivery", str(management["uid"])) is None
        assert tx.tokens.by_hash(str(older["token_hash"])) == older
    with store.write() as tx:
        tx.tokens.delete(str(older["uid"]))
    with store.read() as tx:
        assert tx.tokens.by_hash(str(older["token_hash"])) is None


# -- jobs and rate counters ----------------------------------------------------------------------
def test_jobs(store: Store, stack: str) -> None:
    due, later = ids.job_id(), ids.job_id()
    with store.write() as tx:
        for uid, run_at in ((due, "2000-01-01T00:00:00.000Z"), (later, "2999-01-01T00:00:00.000Z")):
            tx.jobs.add(
                uid,
                stack,
                "publish",
                {"entry": "blt1"},
                run_at=run_at,
                created_by="u",
                created_at="t",
            )
    with store.read() as tx:
        assert due in tx.jobs.due(ids.now()) and later not in tx.jobs.due(ids.now())
        assert tx.jobs.pending(stack) == 2
    with store.write() as tx:
        claimed = tx.jobs.claim(due)
        assert claimed is not None and claimed["payload"] == {"entry": "blt1"}
        tx.jobs.finish(due, "done", {})
    with store.write() as tx:
        assert tx.jobs.claim(due) is None  # done: another worker must not run it again
        assert tx.jobs.claim("no-such-job") is None
    with store.read() as tx:
        assert due not in tx.jobs.due(ids.now()) and tx.jobs.pending(stack) == 1


def test_a_write_that_need_not_be_durable_commits_without_waiting_for_the_disk(
    store: Store,
) -> None:
    """PostgreSQL: an asynchronous commit for that transaction only (SQLite's WAL mode already
    does not sync at COMMIT); what it wrote is committed and seen all the same."""
    key = f"contract:{ids.blt()}"

    def synchronous_commit(tx: Transaction) -> str:
        return str(tx._conn.exec_driver_sql("SHOW synchronous_commit").scalar())

    with store.write(durable=False) as tx:
        assert tx.rate_counters.hit(key, 10) == 1
        if store.dialect == "postgresql":
            assert synchronous_commit(tx) == "off"
    with store.write() as tx:
        assert tx.rate_counters.hit(key, 10) == 2
        if store.dialect == "postgresql":
            assert synchronous_commit(tx) == "on"  # the pooled connection kept no setting
    with store.read() as tx:
        assert tx.rate_counters.count(key, 10) == 2


def test_postgresql_connections_compile_no_statement(store: Store) -> None:
    """JIT off on the store's and the delivery reader's connections (docs/scale-audit.md)."""
    if store.dialect != "postgresql":
        assert store.dialect == "sqlite"  # nothing to compile: SQLite has no JIT
        return
    with store.read() as tx:
        assert tx._conn.exec_driver_sql("SHOW jit").scalar() == "off"
    conn = store.published_reader(10)._driver.connect(10, lambda: False)
    try:
        assert conn.execute("SHOW jit").fetchone() == ("off",)
    finally:
        conn.close()
    # Options the URL carries itself are kept beside it, on both kinds of connection.
    sep = "&" if "?" in store.url else "?"
    other = open_store(f"{store.url}{sep}options=-c%20application_name%3Dveneer_options")
    try:
        with other.read() as tx:
            shown = tx._conn.exec_driver_sql("SHOW application_name").scalar()
            assert (shown, tx._conn.exec_driver_sql("SHOW jit").scalar()) == (
                "veneer_options",
                "off",
            )
        raw = other.published_reader(10)._driver.connect(10, lambda: False)
        try:
            assert raw.execute("SHOW application_name").fetchone() == ("veneer_options",)
            assert raw.execute("SHOW jit").fetchone() == ("off",)
        finally:
            raw.close()
    finally:
        other.dispose()


def test_rate_counters(store: Store) -> None:
    key = f"contract:{ids.blt()}"
    with store.write() as tx:
        assert [tx.rate_counters.hit(key, 10) for _ in range(3)] == [1, 2, 3]
    with store.read() as tx:
        assert tx.rate_counters.count(key, 10) == 3 and tx.rate_counters.count(key, 11) == 0
    with store.write() as tx:
        assert tx.rate_counters.hit(key, 11) == 1  # a new window forgets the ended ones
    with store.read() as tx:
        assert tx.rate_counters.count(key, 10) == 0 and tx.rate_counters.count(key, 11) == 1
