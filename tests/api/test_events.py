"""The event log (store/events.py): each change of content appends its event in the change's own
transaction, in commit order, with the document it left (issue 15's outbox and sync log)."""

from __future__ import annotations

from typing import Any

from tests.api.test_assets import png, upload
from tests.conftest import Api
from veneer.services.context import Services
from veneer.store.events import Event

PAGE = {
    "content_type": {
        "title": "Page",
        "uid": "page",
        "schema": [{"display_name": "Title", "uid": "title", "data_type": "text"}],
    }
}
TARGET = {"environments": ["production"], "locales": ["en-us"]}


def events_of(services: Services, stack: str) -> list[Event]:
    with services.store.read() as tx:
        return tx.events.after(0, 1000, stack=stack)


def test_content_changes_append_events_in_order(api: Api, services: Services) -> None:
    env = api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)
    env_uid = env["environment"]["uid"]
    api.ok(api.post("/content_types", PAGE), 201)
    entry = api.ok(api.post("/content_types/page/entries", {"entry": {"title": "A"}}), 201)
    uid = entry["entry"]["uid"]
    path = f"/content_types/page/entries/{uid}"
    api.ok(api.put(path, {"entry": {"title": "B"}}))
    api.ok(api.post(path + "/publish", {"entry": TARGET}))
    api.ok(api.post(path + "/unpublish", {"entry": TARGET}))
    api.ok(api.post(path + "/publish", {"entry": TARGET}))
    asset = upload(api, png(), "a.png")["asset"]
    api.ok(api.post(f"/assets/{asset['uid']}/publish", {"asset": TARGET}))
    api.ok(api.delete(path))
    api.ok(api.delete(f"/assets/{asset['uid']}"))
    api.ok(api.delete("/content_types/page"))
    seen = events_of(services, api.api_key)
    assert [(e.type, e.environment, e.uid) for e in seen] == [
        ("content_type_created", "", ""),
        ("entry_created", "", uid),
        ("entry_updated", "", uid),
        ("entry_published", env_uid, uid),
        ("entry_unpublished", env_uid, uid),
        ("entry_published", env_uid, uid),
        ("asset_created", "", asset["uid"]),
        ("asset_published", env_uid, asset["uid"]),
        ("entry_deleted", env_uid, uid),
        ("entry_deleted", "", uid),
        ("asset_deleted", env_uid, asset["uid"]),
        ("asset_deleted", "", asset["uid"]),
        ("content_type_deleted", "", ""),
    ]
    assert [e.seq for e in seen] == sorted(e.seq for e in seen)
    published: dict[str, Any] = seen[5].data
    assert published["title"] == "B" and published["publish_details"]["environment"] == env_uid
    assert seen[0].content_type == seen[-1].content_type == "page"
    assert seen[3].actor and seen[3].locale == "en-us" and seen[3].content_type == "page"
    with services.store.read() as tx:
        in_env = tx.events.after(0, 100, stack=api.api_key, environment=env_uid)
    assert [e.type for e in in_env] == [
        "entry_published",
        "entry_unpublished",
        "entry_published",
        "asset_published",
        "entry_deleted",
        "asset_deleted",
    ]


def test_a_refused_change_appends_nothing(api: Api, services: Services) -> None:
    api.ok(api.post("/content_types", PAGE), 201)
    before = len(events_of(services, api.api_key))
    refused = api.post("/content_types/page/entries", {"entry": {"title": 5}})
    assert refused.status_code == 422
    assert len(events_of(services, api.api_key)) == before


def test_deleting_a_locale_unpublishes_its_assets_as_events(api: Api, services: Services) -> None:
    env = api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)
    api.ok(api.post("/locales", {"locale": {"code": "fr-fr", "fallback_locale": "en-us"}}), 201)
    asset = upload(api, png(), "a.png")["asset"]
    target = {"environments": ["production"], "locales": ["fr-fr"]}
    api.ok(api.post(f"/assets/{asset['uid']}/publish", {"asset": target}))
    api.ok(api.delete("/locales/fr-fr"))
    last = events_of(services, api.api_key)[-1]
    assert (last.type, last.environment, last.locale, last.uid) == (
        "asset_unpublished",
        env["environment"]["uid"],
        "fr-fr",
        asset["uid"],
    )
