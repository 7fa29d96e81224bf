"""The storage contract, part 2: what a stack holds (environments, locales, content types,
entries, variants, entry variants, publications) and the cascades that delete and unpublish it.
Runs unchanged on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.store.conftest import changes_after, entry, last_seq, second_writer_waits
from veneer import ids
from veneer.store import Store, Transaction
from veneer.store.sqllist import Listing


def publish(
    tx: Transaction, stack: str, env: str, locale: str, uid: str, variant: str = ""
) -> None:
    doc = entry(uid, locale, 1, variant=variant)
    tx.publications.put(
        stack, env, locale, uid, variant, "page", doc, published_at="t1", published_by="u1"
    )


def stored_variant(uid: str, locale: str, variant: str, version: int = 1) -> dict[str, Any]:
    system = {"uid": uid, "locale": locale, "variant": variant, "_version": version}
    return {"fields": {"title": variant}, "change_set": [], "order": {}, "system": system}


def published(tx: Transaction, stack: str) -> set[tuple[str, str, str, str]]:
    """(environment, locale, entry, variant) of everything published in the stack's test data."""
    return {
        (env, code, uid, variant)
        for env in ("blt-env", "blt-staging")
        for code in ("en-us", "fr-fr")
        for uid in ("blt1", "blt2")
        for variant in ("", "cs-red")
        if tx.publications.exists(stack, env, code, uid, variant)
    }


# -- environments and locales --------------------------------------------------------------------
def test_environments(store: Store, stack: str) -> None:
    staging = {"uid": "blt-staging", "name": "staging"}
    production = {"uid": "blt-env", "name": "production"}
    with store.write() as tx:
        tx.environments.add(stack, staging)
        tx.environments.add(stack, production)
    with store.read() as tx:
        assert tx.environments.find(stack, "staging") == staging
        assert tx.environments.find(stack, "blt-staging") == staging
        assert tx.environments.find(stack, "nowhere") is None
        assert tx.environments.all(stack) == [production, staging]
    with store.write() as tx:
        tx.environments.replace(stack, staging | {"name": "preview"})
    with store.read() as tx:
        assert tx.environments.find(stack, "preview") == staging | {"name": "preview"}
        assert tx.environments.find(stack, "staging") is None


def test_deleting_an_environment_unpublishes_what_it_held(store: Store, stack: str) -> None:
    with store.write() as tx:
        tx.environments.add(stack, {"uid": "blt-env", "name": "production"})
        publish(tx, stack, "blt-env", "en-us", "blt1")
        publish(tx, stack, "blt-staging", "en-us", "blt1")
    before = last_seq(store)
    with store.write() as tx:
        tx.environments.delete(stack, "blt-env")
    with store.read() as tx:
        assert tx.environments.all(stack) == []
        assert published(tx, stack) == {("blt-staging", "en-us", "blt1", "")}
    changes = [(c["environment"], c["entry"]) for c in changes_after(store, before)]
    assert changes == [("blt-env", "blt1")]


def test_locales(store: Store, stack: str) -> None:
    with store.write() as tx:
        tx.locales.add(stack, {"code": "de-de", "fallback_locale": "fr-fr"})
    with store.read() as tx:
        assert tx.locales.get(stack, "de-de") == {"code": "de-de", "fallback_locale": "fr-fr"}
        assert tx.locales.get(stack, "xx-xx") is None
        assert [doc["code"] for doc in tx.locales.all(stack)] == ["de-de", "en-us", "fr-fr"]
        assert tx.locales.chain(stack, "de-de") == ["de-de", "fr-fr", "en-us"]
    with store.write() as tx:
        tx.locales.replace(stack, {"code": "en-us", "fallback_locale": "de-de"})  # a loop
        tx.locales.delete(stack, "fr-fr")
    with store.read() as tx:
        assert tx.locales.chain(stack, "en-us") == ["en-us", "de-de"]
        assert tx.locales.get(stack, "fr-fr") is None


# -- content types -------------------------------------------------------------------------------
def test_content_types(store: Store, stack: str) -> None:
    older = {"uid": "b", "schema": [], "created_at": "2026-01-01"}
    newer = {"uid": "a", "schema": [], "created_at": "2026-01-02"}
    with store.write() as tx:
        tx.content_types.add(stack, newer)
        tx.content_types.add(stack, older)
        tx.content_types.replace(stack, older | {"title": "B"})
    with store.read() as tx:
        assert tx.content_types.all(stack) == [older | {"title": "B"}, newer]
        assert tx.content_types.get(stack, "a") == newer
    with store.write() as tx:
        tx.content_types.delete(stack, "a")
    with store.read() as tx:
        assert tx.content_types.get(stack, "a") is None


# -- entries -------------------------------------------------------------------------------------
def test_entries_keep_their_history(store: Store, stack: str) -> None:
    first, second = entry("blt1", title="one"), entry("blt1", version=2, title="two")
    with store.write() as tx:
        tx.entries.save(stack, "page", first, new=True)
    with store.write() as tx:
        tx.entries.lock(stack, "blt1", "en-us")
        tx.entries.save(stack, "page", second, new=False)
    with store.read() as tx:
        assert tx.entries.latest(stack, "page", "blt1", "en-us") == second
        assert tx.entries.latest(stack, "post", "blt1", "en-us") is None  # another content type
        assert tx.entries.latest(stack, "page", "blt1", "fr-fr") is None  # not localized there
        assert tx.entries.version(stack, "blt1", "en-us", 1) == first
        assert tx.entries.version(stack, "blt1", "en-us", 3) is None
        assert tx.entries.history(stack, "blt1", "en-us") == [second, first]


def test_a_locked_entry_makes_the_next_writer_wait(store: Store, stack: str) -> None:
    with store.write() as tx:
        tx.entries.save(stack, "page", entry("blt1"), new=True)
    _, _, took = second_writer_waits(
        store,
        lambda tx: tx.entries.lock(stack, "blt1", "en-us"),
        lambda tx: tx.entries.lock(stack, "blt1", "en-us"),
    )
    assert took >= 0.3


def test_entries_listed_in_the_first_locale_of_a_chain(store: Store, stack: str) -> None:
    with store.write() as tx:
        tx.entries.save(stack, "page", entry("blt1", "en-us"), new=True)
        tx.entries.save(stack, "page", entry("blt1", "fr-fr"), new=True)
        tx.entries.save(stack, "page", entry("blt2", "en-us"), new=True)
        tx.entries.save(stack, "post", entry("blt3", "fr-fr"), new=True)
    with store.read() as tx:
        listed, _ = tx.entries.page(stack, "page", ["fr-fr", "en-us"], Listing())
        assert sorted((e["uid"], e["locale"]) for e in listed) == [
            ("blt1", "fr-fr"),
            ("blt2", "en-us"),
        ]
        listed, _ = tx.entries.page(stack, "page", ["fr-fr"], Listing())
        assert [e["uid"] for e in listed] == ["blt1"]


def entry_with_everything(tx: Transaction, stack: str, uid: str) -> None:
    """An entry in two locales, with a variant in each, published base and variant."""
    for code in ("en-us", "fr-fr"):
        tx.entries.save(stack, "page", entry(uid, code), new=True)
        tx.entry_variants.save(stack, "page", stored_variant(uid, code, "cs-red"), new=True)
        publish(tx, stack, "blt-env", code, uid)
        publish(tx, stack, "blt-env", code, uid, "cs-red")


def test_purging_an_entry_removes_it_everywhere(store: Store, stack: str) -> None:
    with store.write() as tx:
        entry_with_everything(tx, stack, "blt1")
        entry_with_everything(tx, stack, "blt2")
    before = last_seq(store)
    with store.write() as tx:
        tx.entries.purge(stack, "blt1")
    with store.read() as tx:
        for code in ("en-us", "fr-fr"):
            assert tx.entries.history(stack, "blt1", code) == []
            assert tx.entry_variants.versions(stack, "blt1", code, "cs-red") == []
            assert tx.entries.latest(stack, "page", "blt2", code) is not None
        assert {uid for _, _, uid, _ in published(tx, stack)} == {"blt2"}
    assert len([c for c in changes_after(store, before) if c["entry"] == "blt1"]) == 4


def test_purging_one_localization_keeps_the_others(store: Store, stack: str) -> None:
    with store.write() as tx:
        entry_with_everything(tx, stack, "blt1")
    with store.write() as tx:
        tx.entries.purge(stack, "blt1", "fr-fr")
    with store.read() as tx:
        assert tx.entries.latest(stack, "page", "blt1", "fr-fr") is None
        assert tx.entry_variants.get(stack, "blt1", "fr-fr", "cs-red") is None
        assert tx.entries.latest(stack, "page", "blt1", "en-us") is not None
        assert tx.entry_variants.get(stack, "blt1", "en-us", "cs-red") is not None
        assert {code for _, code, _, _ in published(tx, stack)} == {"en-us"}


def test_purging_a_content_type_s_entries(store: Store, stack: str) -> None:
    with store.write() as tx:
        entry_with_everything(tx, stack, "blt1")
        tx.entries.save(stack, "post", entry("blt2"), new=True)
    with store.write() as tx:
        tx.entries.purge_type(stack, "page")
    with store.read() as tx:
        assert tx.entries.page(stack, "page", ["en-us", "fr-fr"], Listing()) == ([], None)
        assert tx.entries.latest(stack, "post", "blt2", "en-us") == entry("blt2")
        assert published(tx, stack) == set()


def test_dropping_a_locale_s_entries(store: Store, stack: str) -> None:
    with store.write() as tx:
        entry_with_everything(tx, stack, "blt1")
    with store.write() as tx:
        tx.entries.drop_locale(stack, "fr-fr")
    with store.read() as tx:
        assert tx.entries.history(stack, "blt1", "fr-fr") == []
        assert tx.entry_variants.in_locale(stack, "blt1", "fr-fr") == []
        assert len(tx.entries.history(stack, "blt1", "en-us")) == 1
        assert {code for _, code, _, _ in published(tx, stack)} == {"en-us"}


# -- entry variants ------------------------------------------------------------------------------
def test_entry_variants_keep_their_history(store: Store, stack: str) -> None:
    first, second = (
        stored_variant("blt1", "en-us", "cs-red"),
        stored_variant("blt1", "en-us", "cs-red", 2),
    )
    blue = stored_variant("blt1", "en-us", "cs-blue")
    with store.write() as tx:
        tx.entry_variants.save(stack, "page", first, new=True)
        tx.entry_variants.save(stack, "page", blue, new=True)
    with store.write() as tx:
        tx.entry_variants.save(stack, "page", second, new=False)
    with store.read() as tx:
        assert tx.entry_variants.get(stack, "blt1", "en-us", "cs-red") == second
        assert tx.entry_variants.get(stack, "blt1", "fr-fr", "cs-red") is None
        assert tx.entry_variants.version(stack, "blt1", "en-us", "cs-red", 1) == first
        assert tx.entry_variants.version(stack, "blt1", "en-us", "cs-red", 9) is None
        assert tx.entry_variants.versions(stack, "blt1", "en-us", "cs-red") == [2, 1]
        assert tx.entry_variants.in_locale(stack, "blt1", "en-us") == [blue, second]
        assert tx.entry_variants.latest_versions(stack, "blt1") == {
            ("cs-red", "en-us"): 2,
            ("cs-blue", "en-us"): 1,
        }
        assert tx.entry_variants.latest_versions(stack, "blt2") == {}


def test_purging_entry_variants_by_variant_and_content_type(store: Store, stack: str) -> None:
    with store.write() as tx:
        entry_with_everything(tx, stack, "blt1")
        tx.entry_variants.save(stack, "post", stored_variant("blt2", "en-us", "cs-red"), new=True)
    with store.write() as tx:
        tx.entry_variants.purge(stack, variant="cs-red", content_type="page")
    with store.read() as tx:
        assert tx.entry_variants.in_locale(stack, "blt1", "en-us") == []
        assert tx.entry_variants.versions(stack, "blt1", "fr-fr", "cs-red") == []
        assert tx.entry_variants.get(stack, "blt2", "en-us", "cs-red") is not None
        assert published(tx, stack) == {
            ("blt-env", "en-us", "blt1", ""),
            ("blt-env", "fr-fr", "blt1", ""),
        }


# -- variant groups and variants -----------------------------------------------------------------
def test_variant_groups(store: Store, stack: str) -> None:
    group = {"uid": "cs-group", "name": "Colours", "content_types": [], "created_at": "t"}
    with store.write() as tx:
        tx.variant_groups.add(stack, group)
        tx.variant_groups.replace(stack, group | {"name": "Colors"})
    with store.read() as tx:
        assert tx.variant_groups.get(stack, "cs-group") == group | {"name": "Colors"}
        assert tx.variant_groups.all(stack) == [group | {"name": "Colors"}]
    with store.write() as tx:
        tx.variant_groups.delete(stack, "cs-group")
    with store.read() as tx:
        assert tx.variant_groups.get(stack, "cs-group") is None


def test_variants(store: Store, stack: str) -> None:
    red = {"uid": "cs-red", "variant_group_uid": "cs-group", "created_at": "2026-01-01"}
    blue = {"uid": "cs-blue", "created_at": "2026-01-02", "alias": "cs_personalize_0_1"}
    with store.write() as tx:
        tx.variants.add(stack, blue, "cs_personalize_0_1")
        tx.variants.add(stack, red, None)
        tx.variants.replace(stack, red | {"name": "Red"})
    red = red | {"name": "Red"}
    with store.read() as tx:
        assert tx.variants.get(stack, "cs-red") == red
        assert tx.variants.with_alias(stack, "cs_personalize_0_1") == blue
        assert tx.variants.find(stack, "cs_personalize_0_1") == blue
        assert tx.variants.find(stack, "cs-red") == red
        assert tx.variants.find(stack, "cs-green") is None
        assert tx.variants.all(stack) == [red, blue]
        assert tx.variants.all(stack, "cs-group") == [red]
    with store.write() as tx:
        tx.variants.delete(stack, "cs-red")
    with store.read() as tx:
        assert tx.variants.all(stack) == [blue]


# -- publications --------------------------------------------------------------------------------
def test_a_publication_replaces_the_last_and_records_the_change(store: Store, stack: str) -> None:
    before = last_seq(store)
    with store.write() as tx:
        publish(tx, stack, "blt-env", "en-us", "blt1")
        tx.publications.put(
            stack, "blt-env", "en-us", "blt1", "", "page", entry("blt1", version=2), **by("u2")
        )
    with store.read() as tx:
        assert tx.publications.exists(stack, "blt-env", "en-us", "blt1", "")
        assert not tx.publications.exists(stack, "blt-env", "fr-fr", "blt1", "")
        assert tx.publications.details(stack, "blt1") == [
            {"environment": "blt-env", "locale": "en-us", "time": "t2", "user": "u2", "version": 2}
        ]
        assert tx.publications.details(stack, "blt1", "cs-red") == []
    changes = changes_after(store, before)
    assert [(c["stack"], c["entry"], c["content_type"]) for c in changes] == [
        (stack, "blt1", "page")
    ] * 2


def test_the_publications_of_an_entry_s_variants_in_every_locale(store: Store, stack: str) -> None:
    with store.write() as tx:
        publish(tx, stack, "blt-env", "en-us", "blt1")
        publish(tx, stack, "blt-env", "fr-fr", "blt1", "cs-red")
        publish(tx, stack, "blt-env", "en-us", "blt2", "cs-red")
    with store.read() as tx:
        assert tx.publications.of_variants(stack, "blt1") == [
            {
                "variant": "cs-red",
                "environment": "blt-env",
                "locale": "fr-fr",
                "time": "t1",
                "user": "u1",
                "version": 1,
            }
        ]
        assert tx.publications.of_variants(stack, "blt3") == []


def by(user: str) -> dict[str, str]:
    return {"published_at": "t2", "published_by": user}


def test_dropping_publications_by_scope(store: Store, stack: str) -> None:
    with store.write() as tx:
        for env in ("blt-env", "blt-staging"):
            for code in ("en-us", "fr-fr"):
                publish(tx, stack, env, code, "blt1")
                publish(tx, stack, env, code, "blt1", "cs-red")
        publish(tx, stack, "blt-env", "en-us", "blt2")
    before = last_seq(store)
    with store.write() as tx:
        tx.publications.drop(stack, environment="blt-staging", locale="fr-fr", entry="blt1")
        tx.publications.drop(stack, variant="cs-red", locale="en-us")
    with store.read() as tx:
        assert published(tx, stack) == {
            ("blt-env", "en-us", "blt1", ""),
            ("blt-env", "fr-fr", "blt1", ""),
            ("blt-env", "fr-fr", "blt1", "cs-red"),
            ("blt-staging", "en-us", "blt1", ""),
            ("blt-env", "en-us", "blt2", ""),
        }
    dropped = {(c["environment"], c["locale"], c["variant"]) for c in changes_after(store, before)}
    assert dropped == {
        ("blt-staging", "fr-fr", ""),
        ("blt-staging", "fr-fr", "cs-red"),
        ("blt-env", "en-us", "cs-red"),
        ("blt-staging", "en-us", "cs-red"),
    }


def test_operations_never_reach_another_stack(store: Store, stack: str) -> None:
    other = ids.blt()
    with store.write() as tx:
        entry_with_everything(tx, stack, "blt1")
        tx.publications.drop(other)
        tx.entries.purge(other, "blt1")
        tx.entry_variants.purge(other)
        tx.entries.drop_locale(other, "en-us")
    with store.read() as tx:
        assert len(published(tx, stack)) == 4
        assert tx.entries.latest(other, "page", "blt1", "en-us") is None
        assert tx.entries.latest(stack, "page", "blt1", "en-us") == entry("blt1")
