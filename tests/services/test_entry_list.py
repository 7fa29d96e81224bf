"""The editor's entry list (services/entry_list.py, issue 17 Major 8) on both databases: publish
state per environment (published, not published, changed since publish), has variants, the
locale, sorting and paging are answered by the database with the right entries and counts, both
when the candidates are few (probed) and when the list walks the sort key; each row's glance;
bulk publish and unpublish report per entry."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import Api
from veneer.domain.listing import ListParams
from veneer.services import entry_list
from veneer.services.context import Actor, Services
from veneer.store import sqllist
from veneer.store.entrystatus import Condition, HasVariants, Status

NOTE = {
    "content_type": {
        "title": "Note",
        "uid": "note",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
            {"display_name": "Body", "uid": "body", "data_type": "text"},
        ],
    }
}


@dataclass
class Notes:
    api: Api
    actor: Actor
    envs: dict[str, str]  # name -> uid
    uids: dict[str, str]  # title -> uid

    def publish(self, title: str, env: str, locale: str = "en-us", **extra: Any) -> None:
        body = {"entry": {"environments": [env], "locales": [locale]}, **extra}
        path = f"/content_types/note/entries/{self.uids[title]}/publish"
        self.api.ok(self.api.post(path, body))

    def update(self, title: str, **fields: Any) -> None:
        path = f"/content_types/note/entries/{self.uids[title]}"
        self.api.ok(self.api.put(path, {"entry": fields}))


@pytest.fixture
def notes(api: Api) -> Notes:
    """Six notes: Alpha (published to production, then changed), Bravo (published, unchanged),
    Charlie (never published), Delta (staging only), Echo (a variant, published to production
    with it), Foxtrot (localized in fr-fr too, published there)."""
    api.ok(api.post("/locales", {"locale": {"code": "fr-fr", "fallback_locale": "en-us"}}), 201)
    envs = {
        name: api.ok(api.post("/environments", {"environment": {"name": name}}), 201)[
            "environment"
        ]["uid"]
        for name in ("production", "staging")
    }
    api.ok(api.post("/content_types", NOTE), 201)
    group = {"name": "Audience", "uid": "audience", "content_types": ["note"]}
    api.ok(api.post("/variant_groups", group), 201)
    api.ok(api.post("/variant_groups/audience/variants", {"uid": "devs", "name": "Devs"}), 201)
    uids = {}
    for title in ("Charlie", "Alpha", "Foxtrot", "Bravo", "Echo", "Delta"):  # created in this order
        entry = api.ok(api.post("/content_types/note/entries", {"entry": {"title": title}}), 201)
        uids[title] = entry["entry"]["uid"]
    user = api.ok(api.get("/user"))["user"]
    made = Notes(api, Actor(kind="user", uid=user["uid"]), envs, uids)
    for title in ("Alpha", "Bravo", "Echo"):
        made.publish(title, "production")
    made.update("Alpha", body="changed")
    made.update("Bravo", body="v2")
    made.publish("Bravo", "production")  # published at its latest version again
    made.publish("Delta", "staging")
    echo = f"/content_types/note/entries/{uids['Echo']}/variants/devs"
    api.ok(api.put(echo, {"entry": {"title": "Echo for devs", "_variant": {}}}), 201)
    made.publish(
        "Echo",
        "production",
        entry={"environments": ["production"], "locales": ["en-us"], "variants": [{"uid": "devs"}]},
    )
    fr = f"/content_types/note/entries/{uids['Foxtrot']}"
    api.ok(api.put(fr, {"entry": {"title": "Foxtrot FR"}}, params={"locale": "fr-fr"}))
    made.publish("Foxtrot", "production", locale="fr-fr")
    return made


@pytest.fixture(params=["probe", "walk"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Both ways a list finds its page: few candidates probed, or the sort key walked."""
    if request.param == "walk":
        monkeypatch.setattr(sqllist, "PROBE", 0)
    yield request.param


def titles(
    services: Services,
    notes: Notes,
    *conditions: Condition,
    locale: str = "en-us",
    fallback: bool = True,
    **params: Any,
) -> tuple[list[str], int]:
    params.setdefault("asc", None if "desc" in params else "title")
    lp = ListParams(include_count=True, **params)
    page = entry_list.list_page(
        services,
        notes.actor,
        notes.api.api_key,
        "note",
        lp,
        locale,
        conditions=conditions,
        include_fallback=fallback,
    )
    return [doc["title"] for doc in page.entries], page.count


def test_publish_state_filters(services: Services, notes: Notes, way: str) -> None:
    prod, staging = notes.envs["production"], notes.envs["staging"]
    assert titles(services, notes, Status(prod, "published")) == (["Alpha", "Bravo", "Echo"], 3)
    assert titles(services, notes, Status(prod, "unpublished")) == (
        ["Charlie", "Delta", "Foxtrot"],
        3,
    )
    # Alpha's latest version (2) is newer than the one in production (1); Bravo's is not.
    assert titles(services, notes, Status(prod, "changed")) == (["Alpha"], 1)
    assert titles(services, notes, Status(staging, "published")) == (["Delta"], 1)
    assert titles(services, notes, Status(staging, "changed")) == ([], 0)
    # Conditions combine (AND), with each other and with a title query.
    both = (Status(prod, "published"), Status(staging, "unpublished"))
    assert titles(services, notes, *both, desc="title") == (["Echo", "Bravo", "Alpha"], 3)
    query = {"title": {"$in": ["Alpha", "Charlie"]}}
    assert titles(services, notes, Status(prod, "published"), where=query) == (["Alpha"], 1)


def test_changed_since_publish_follows_new_versions(services: Services, notes: Notes) -> None:
    prod = notes.envs["production"]
    notes.publish("Alpha", "production")  # catches up: no longer changed
    assert titles(services, notes, Status(prod, "changed")) == ([], 0)
    notes.update("Bravo", body="v3")
    notes.update("Echo", body="v2")
    assert titles(services, notes, Status(prod, "changed")) == (["Bravo", "Echo"], 2)
    # An older version published explicitly is "changed" too.
    notes.publish("Alpha", "production", version=1)
    assert titles(services, notes, Status(prod, "changed")) == (["Alpha", "Bravo", "Echo"], 3)


def test_variants_and_locale_filters(services: Services, notes: Notes, way: str) -> None:
    prod = notes.envs["production"]
    assert titles(services, notes, HasVariants(True)) == (["Echo"], 1)
    assert titles(services, notes, HasVariants(False))[1] == 5
    # fr-fr: Foxtrot in its own localization, the others by fallback; publish states are fr-fr's.
    assert titles(services, notes, locale="fr-fr")[0] == [
        "Alpha",
        "Bravo",
        "Charlie",
        "Delta",
        "Echo",
        "Foxtrot FR",
    ]
    assert titles(services, notes, Status(prod, "published"), locale="fr-fr") == (
        ["Foxtrot FR"],
        1,
    )
    assert titles(services, notes, locale="fr-fr", fallback=False) == (["Foxtrot FR"], 1)
    # The fr-fr localization is at version 1, as published: not changed
    assert titles(services, notes, Status(prod, "changed"), locale="fr-fr") == ([], 0)


def test_sorting_and_paging_with_filters(services: Services, notes: Notes, way: str) -> None:
    prod = notes.envs["production"]
    unpublished = Status(prod, "unpublished")
    assert titles(services, notes, unpublished, limit=2) == (["Charlie", "Delta"], 3)
    assert titles(services, notes, unpublished, limit=2, skip=2) == (["Foxtrot"], 3)
    created = titles(services, notes, asc="created_at")[0]
    assert created == ["Charlie", "Alpha", "Foxtrot", "Bravo", "Echo", "Delta"]
    newest = titles(services, notes, desc="created_at")[0]
    assert newest == list(reversed(created))
    # updated_at: Bravo's update came last in en-us (Echo's variant and Foxtrot's fr-fr
    # localization leave their en-us versions as they were).
    assert titles(services, notes, desc="updated_at")[0][0] == "Bravo"


def test_each_row_glance(services: Services, notes: Notes) -> None:
    prod, staging = notes.envs["production"], notes.envs["staging"]
    lp = ListParams(asc="title")
    page = entry_list.list_page(services, notes.actor, notes.api.api_key, "note", lp, "en-us")
    glance = {doc["title"]: page.glances[doc["uid"]] for doc in page.entries}
    assert glance["Alpha"].base == {prod: 1}
    assert glance["Bravo"].base == {prod: 2}
    assert glance["Delta"].base == {staging: 1}
    assert glance["Charlie"].base == {} and glance["Charlie"].variants == {}
    assert glance["Echo"].variants == {"devs": 1}
    assert glance["Echo"].published == {prod: {"devs": 1}}
    assert glance["Echo"].behind(prod) == [] and glance["Alpha"].behind(prod) == []
    echo = f"/content_types/note/entries/{notes.uids['Echo']}/variants/devs"
    notes.api.ok(notes.api.put(echo, {"entry": {"title": "Echo for devs, v2", "_variant": {}}}))
    page = entry_list.list_page(services, notes.actor, notes.api.api_key, "note", lp, "en-us")
    echoed = page.glances[notes.uids["Echo"]]
    assert echoed.variants == {"devs": 2} and echoed.behind(prod) == ["devs"]
    assert echoed.behind(staging) == []
    assert glance["Foxtrot"].base == {}  # published in fr-fr only


def test_bulk_publish_and_unpublish_report_each_entry(services: Services, notes: Notes) -> None:
    key, prod = notes.api.api_key, notes.envs["production"]
    chosen = [notes.uids["Charlie"], notes.uids["Alpha"], "blt_not_an_entry"]
    outcomes = entry_list.publish_many(
        services, notes.actor, key, "note", chosen, ["production", "staging"], ["en-us"]
    )
    assert [(o.uid, o.error is None) for o in outcomes] == [
        (notes.uids["Charlie"], True),
        (notes.uids["Alpha"], True),
        ("blt_not_an_entry", False),
    ]
    assert titles(services, notes, Status(prod, "changed")) == ([], 0)
    staged = titles(services, notes, Status(notes.envs["staging"], "published"))[0]
    assert staged == ["Alpha", "Charlie", "Delta"]
    gone = entry_list.publish_many(
        services,
        notes.actor,
        key,
        "note",
        [notes.uids["Echo"], notes.uids["Bravo"]],
        ["production"],
        ["en-us"],
        unpublish=True,
    )
    assert all(o.error is None for o in gone)
    assert titles(services, notes, Status(prod, "published"))[0] == ["Alpha", "Charlie"]
    page = entry_list.list_page(services, notes.actor, key, "note", ListParams(), "en-us")
    assert page.glances[notes.uids["Echo"]].published == {}  # its variant went with it
    # With their variants: the latest base and the latest version of each variant.
    notes.update("Echo", body="v2")
    echo = f"/content_types/note/entries/{notes.uids['Echo']}/variants/devs"
    notes.api.ok(notes.api.put(echo, {"entry": {"title": "Echo for devs, v2", "_variant": {}}}))
    both = entry_list.publish_many(
        services,
        notes.actor,
        key,
        "note",
        [notes.uids["Echo"], notes.uids["Delta"]],
        ["production"],
        ["en-us"],
        with_variants=True,
    )
    assert all(o.error is None for o in both)
    page = entry_list.list_page(services, notes.actor, key, "note", ListParams(), "en-us")
    echoed, delta = page.glances[notes.uids["Echo"]], page.glances[notes.uids["Delta"]]
    assert (echoed.base[prod], echoed.published) == (2, {prod: {"devs": 2}})
    assert delta.base[prod] == 1 and delta.published == {}  # no variant: its base alone
    with pytest.raises(Exception, match="Choose the entries"):
        entry_list.publish_many(services, notes.actor, key, "note", [], ["production"], ["en-us"])
