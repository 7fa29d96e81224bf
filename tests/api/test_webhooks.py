"""Webhooks through the API, with real HTTP receivers on 127.0.0.1: the definitions in
Contentstack's shape, every event signed and shaped as Contentstack sends it, channels scoping what
is sent, retries with back-off, the executions log, and a manual retry. The app's own background
sender delivers (conftest shrinks the back-off base to 0.01 s)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from tests.api.test_assets import png, upload
from tests.conftest import MAIN_BRANCH, Api, new_user
from tests.receiver import Receiver, receiving, wait_for

PAGE = {
    "content_type": {
        "title": "Page",
        "uid": "page",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
            {"display_name": "URL", "uid": "url", "data_type": "text"},
        ],
    }
}
TARGET = {"entry": {"environments": ["production"], "locales": ["en-us"]}, "locale": "en-us"}


def webhook(url: str, channels: list[str], **more: Any) -> dict[str, Any]:
    destination = {"target_url": url, "custom_header": [{"header_name": "X-Site", "value": "blog"}]}
    return {
        "webhook": {
            "name": "Rebuild",
            "destinations": [{**destination, **more.pop("destination", {})}],
            "channels": channels,
            "retry_policy": "manual",
            "disabled": False,
            "concise_payload": False,
            **more,
        }
    }


def make(api: Api, url: str, channels: list[str], **more: Any) -> dict[str, Any]:
    made = api.ok(api.post("/webhooks", webhook(url, channels, **more)), 201)
    assert made["notice"] == "The Webhook was created successfully"
    return made["webhook"]  # type: ignore[no-any-return]


@pytest.fixture
def site(api: Api) -> Api:
    """A stack with a production environment and the `page` content type."""
    api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)
    api.ok(api.post("/content_types", PAGE), 201)
    return api


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as made:
        yield made


def new_page(api: Api, title: str) -> str:
    created = api.ok(api.post("/content_types/page/entries", {"entry": {"title": title}}), 201)
    return str(created["entry"]["uid"])


def executions(api: Api, uid: str) -> list[dict[str, Any]]:
    return api.ok(api.get(f"/webhooks/{uid}/executions"))["webhooks"]  # type: ignore[no-any-return]


# -- definitions ---------------------------------------------------------------------------------
def test_webhooks_are_created_listed_updated_and_deleted(api: Api) -> None:
    made = make(
        api,
        "https://hooks.example.com/rebuild",
        ["content_types.entries.publish", "assets.publish"],
        destination={"http_basic_auth": "site", "http_basic_password": "s3cret"},
        concise_payload=True,
    )
    assert made["uid"].startswith("blt") and len(made["secret"]) == 64
    assert made["destinations"][0]["http_basic_password"] == "********"
    assert made["channels"] == ["content_types.entries.publish", "assets.publish"]
    assert (made["disabled"], made["concise_payload"], made["branches"]) == (False, True, ["main"])
    listed = api.ok(api.get("/webhooks", params={"include_count": "true"}))
    assert listed["count"] == 1 and listed["webhooks"] == [made]
    fetched = api.ok(api.get(f"/webhooks/{made['uid']}"))["webhook"]
    assert fetched == made
    # What an SDK does: fetch, change one field, send the whole object back (masked password too).
    disabled = api.ok(
        api.put(f"/webhooks/{made['uid']}", {"webhook": {**fetched, "disabled": True}})
    )
    assert disabled["webhook"]["disabled"] is True
    assert disabled["webhook"]["updated_at"] >= made["updated_at"]
    enabled = api.ok(api.put(f"/webhooks/{made['uid']}", {"webhook": {"disabled": False}}))
    assert enabled["webhook"]["disabled"] is False
    assert enabled["webhook"]["secret"] == made["secret"]
    gone = api.ok(api.delete(f"/webhooks/{made['uid']}"))
    assert gone == {"notice": "The Webhook was deleted successfully"}
    missing = api.get(f"/webhooks/{made['uid']}")
    assert missing.status_code == 422 and missing.json()["error_code"] == 141


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channels": ["entries.explode"]}, "channels"),
        ({"channels": []}, "channels"),
        ({"destinations": [{"target_url": "ftp://example.com"}]}, "destinations"),
        ({"destinations": []}, "destinations"),
        (
            {
                "destinations": [
                    {
                        "target_url": "http://a.example",
                        "custom_header": [{"header_name": "Host", "value": "x"}],
                    }
                ]
            },
            "destinations",
        ),
        ({"name": ""}, "name"),
        ({"disabled": "no"}, "disabled"),
        ({"secret": "short"}, "secret"),
    ],
)
def test_a_bad_definition_is_refused_with_the_field(
    api: Api, change: dict[str, Any], field: str
) -> None:
    body = webhook("https://hooks.example.com/", ["assets.create"])
    body["webhook"].update(change)
    refused = api.post("/webhooks", body)
    assert refused.status_code == 422, refused.text
    assert field in refused.json()["errors"]


def test_the_basic_auth_password_survives_a_masked_round_trip(
    site: Api, receiver: Receiver
) -> None:
    made = make(
        site,
        receiver.url,
        ["content_types.entries.create"],
        destination={"http_basic_auth": "site", "http_basic_password": "s3cret"},
    )
    site.ok(site.put(f"/webhooks/{made['uid']}", {"webhook": made}))
    new_page(site, "Hello")
    sent = wait_for(lambda: receiver.received, "the create event")[0]
    assert sent.headers["authorization"] == "Basic c2l0ZTpzM2NyZXQ="  # site:s3cret


# -- what is sent --------------------------------------------------------------------------------
CHANNELS = [
    "content_types.create",
    "content_types.entries.create",
    "content_types.entries.update",
    "content_types.entries.publish",
    "content_types.entries.unpublish",
    "content_types.entries.delete",
    "assets.create",
    "assets.publish",
]


def test_each_event_arrives_signed_and_shaped_as_contentstack_sends_it(
    api: Api, receiver: Receiver
) -> None:
    hook = make(api, receiver.url, CHANNELS)
    env = api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)
    api.ok(api.post("/content_types", PAGE), 201)
    uid = new_page(api, "Hello")
    path = f"/content_types/page/entries/{uid}"
    api.ok(api.put(path, {"entry": {"url": "/hello"}}))
    api.ok(api.post(path + "/publish", TARGET))
    api.ok(api.post(path + "/unpublish", TARGET))
    asset = upload(api, png(), "a.png")["asset"]
    api.ok(api.post(f"/assets/{asset['uid']}/publish", {"asset": TARGET["entry"]}))
    api.ok(api.delete(path))
    wait_for(lambda: len(receiver.received) >= 8, "eight events")
    sent = receiver.received
    assert all(r.signed_by(hook["secret"]) for r in sent)
    assert not any(r.signed_by("another secret of the same length, or any other") for r in sent)
    assert {r.headers["user-agent"] for r in sent} == {"Contentstack"}
    assert {r.headers["content-type"] for r in sent} == {"application/json"}
    assert {r.headers["x-site"] for r in sent} == {"blog"}
    assert len({r.headers["x-veneer-delivery"] for r in sent}) == 8
    by = {(r.json["module"], r.json["event"]): r.json for r in sent}
    assert sorted(by) == [
        ("asset", "create"),
        ("asset", "publish"),
        ("content_type", "create"),
        ("entry", "create"),
        ("entry", "delete"),
        ("entry", "publish"),
        ("entry", "unpublish"),
        ("entry", "update"),
    ]
    assert {b["api_key"] for b in by.values()} == {api.api_key}
    published = by["entry", "publish"]["data"]
    assert published["entry"]["uid"] == uid and published["entry"]["url"] == "/hello"
    assert published["content_type"]["uid"] == "page" and published["content_type"]["schema"]
    assert published["environment"]["uid"] == env["environment"]["uid"]
    assert published["environment"]["name"] == "production"
    assert (published["locale"], published["action"], published["status"]) == (
        "en-us",
        "publish",
        "success",
    )
    assert by["asset", "publish"]["data"]["asset"]["uid"] == asset["uid"]
    assert by["content_type", "create"]["data"]["content_type"]["uid"] == "page"
    assert by["entry", "delete"]["data"]["entry"]["uid"] == uid


def test_channels_scope_what_a_webhook_is_sent(site: Api, receiver: Receiver) -> None:
    chosen, other = new_page(site, "Chosen"), new_page(site, "Other")
    make(
        site,
        receiver.url,
        [
            f"content_types.page.entries.{chosen}.publish",
            "content_types.entries.environments.production.unpublish.success",
        ],
    )
    for uid in (other, chosen):
        site.ok(site.post(f"/content_types/page/entries/{uid}/publish", TARGET))
    site.ok(site.post(f"/content_types/page/entries/{other}/unpublish", TARGET))
    wait_for(lambda: len(receiver.received) >= 2, "two events")
    seen = [(b["event"], b["data"]["entry"]["uid"]) for b in receiver.bodies()]
    assert sorted(seen) == sorted([("publish", chosen), ("unpublish", other)])


def test_a_concise_payload_carries_identifiers(site: Api, receiver: Receiver) -> None:
    make(site, receiver.url, ["content_types.page.entries.publish"], concise_payload=True)
    uid = new_page(site, "Short")
    site.ok(site.post(f"/content_types/page/entries/{uid}/publish", TARGET))
    data = wait_for(receiver.bodies, "the publish")[0]["data"]
    assert data["entry"] == {"uid": uid, "locale": "en-us", "_version": 1}
    assert data["content_type"] == {"uid": "page", "title": "Page"}
    assert set(data["environment"]) == {"uid", "name"}


def test_a_disabled_webhook_is_sent_nothing(site: Api) -> None:
    with receiving() as on, receiving() as off:
        make(site, off.url, ["content_types.entries.create"], disabled=True)
        make(site, on.url, ["content_types.entries.create"])
        new_page(site, "Quiet")
        wait_for(lambda: on.received, "the enabled webhook's event")
        assert off.received == []


# -- retries and executions ----------------------------------------------------------------------
def test_three_failures_then_a_success_make_four_attempts(site: Api) -> None:
    with receiving(lambda n: 500 if n < 3 else 200) as flaky:
        hook = make(site, flaky.url, ["content_types.entries.create"])
        new_page(site, "Eventually")
        wait_for(lambda: 200 in flaky.answered, "the successful attempt")
        [execution] = wait_for(
            lambda: [e for e in executions(site, hook["uid"]) if e["state"] == "success"],
            "the success recorded",
        )
        assert flaky.answered == [500, 500, 500, 200]
    assert (execution["attempts"], execution["retry_count"], execution["status"]) == (4, 3, 200)
    codes = [attempt["response"]["statusCode"] for attempt in execution["request_details"]]
    assert codes == [500, 500, 500, 200]
    assert execution["request_details"][-1]["response"]["body"] == "ok"
    assert execution["channel"] == ["content_types.entries.create"]
    assert execution["event_data"]["event"] == "create"
    assert execution["destination"] == {"target_url": flaky.url}
    assert len({r.headers["x-veneer-delivery"] for r in flaky.received}) == 1


def test_a_failed_execution_is_retried_on_request(site: Api) -> None:
    answers = {"status": 503}
    with receiving(lambda n: answers["status"]) as down:
        hook = make(site, down.url, ["content_types.entries.create"])
        new_page(site, "Later")
        [failed] = wait_for(
            lambda: [e for e in executions(site, hook["uid"]) if e["state"] == "failed"],
            "five failed attempts",
        )
        assert failed["attempts"] == 5 and failed["status"] == 503
        assert failed["next_attempt_at"] is None
        answers["status"] = 200
        again = site.ok(site.post(f"/webhooks/{failed['uid']}/retry"))
        assert again["webhook"]["state"] in {"pending", "sending", "success"}
        wait_for(lambda: 200 in down.answered, "the retried attempt")
        [done] = wait_for(
            lambda: [e for e in executions(site, hook["uid"]) if e["state"] == "success"],
            "the retry recorded",
        )
    assert done["attempts"] == 6 and done["uid"] == failed["uid"]
    busy = site.post(f"/webhooks/{hook['uid']}/retry", {"execution_uid": done["uid"]})
    assert busy.status_code == 200  # finished again: the JS SDK's form retries it once more
    logs = site.ok(site.get(f"/webhooks/{done['uid']}/logs"))["webhooks"]
    assert [e["uid"] for e in logs] == [done["uid"]]


def test_retry_of_an_unknown_execution_is_refused(site: Api) -> None:
    hook = make(site, "https://hooks.example.com/", ["assets.create"])
    refused = site.post(f"/webhooks/{hook['uid']}/retry", {"execution_uid": "bltnotanexecution"})
    assert refused.status_code == 422 and "execution_uid" in refused.json()["errors"]


def test_executions_page_and_count(site: Api, receiver: Receiver) -> None:
    hook = make(site, receiver.url, ["content_types.entries.create"])
    for n in range(3):
        new_page(site, f"Page {n}")
    wait_for(lambda: len(receiver.received) >= 3, "three events")
    page = site.ok(
        site.get(
            f"/webhooks/{hook['uid']}/executions",
            params={"include_count": "true", "limit": "2"},
        )
    )
    assert page["count"] == 3 and len(page["webhooks"]) == 2


def test_a_read_only_token_sees_webhooks_without_their_secret(api: Api) -> None:
    made = make(api, "https://hooks.example.com/", ["assets.create"])
    scope = [{"module": "webhook", "acl": {"read": True, "write": False}}, MAIN_BRANCH]
    token = api.ok(
        api.post("/stacks/management_tokens", {"token": {"name": "ro", "scope": scope}}), 201
    )["token"]["token"]
    headers = {"api_key": api.api_key, "authorization": token}
    listed = api.client.get("/v3/webhooks", headers=headers)
    assert listed.status_code == 200
    assert listed.json()["webhooks"] == [{k: v for k, v in made.items() if k != "secret"}]
    refused = api.client.post(
        "/v3/webhooks", json=webhook("https://x.example/", ["assets.create"]), headers=headers
    )
    assert refused.status_code == 403 and refused.json()["error_code"] == 162


# -- export and import ---------------------------------------------------------------------------
def test_an_exported_webhook_imports_into_another_stack_and_over_one(
    api: Api, services: Any, client: Any
) -> None:
    made = make(
        api,
        "https://hooks.example.com/a",
        ["content_types.entries.publish"],
        destination={"http_basic_auth": "site", "http_basic_password": "s3cret"},
    )
    doc = api.ok(api.get(f"/webhooks/{made['uid']}/export"))
    assert doc == api.ok(api.get(f"/webhooks/{made['uid']}"))["webhook"]

    other = new_user(services, client)
    other.api_key = other.ok(
        other.post("/stacks", {"stack": {"name": "Copy", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    # The JS management SDK sends the file as `webhook`, the Python one as `entry`.
    for name in ("webhook", "entry"):
        done = other.ok(upload_file(other, "/webhooks/import", doc, name))
        assert done["notice"] == "The Webhook was imported successfully"
        copy = done["webhook"]
        assert copy["uid"] != doc["uid"] and copy["created_by"] != doc["created_by"]
        kept = ("name", "channels", "retry_policy", "secret", "branches")
        assert {k: copy[k] for k in kept} == {k: doc[k] for k in kept}
        # The password is not in the file (masked, as every read shows it): set it again.
        unmasked = {**doc["destinations"][0], "http_basic_password": ""}
        assert copy["destinations"] == [unmasked]
        assert other.ok(other.get(f"/webhooks/{copy['uid']}"))["webhook"] == copy
    assert len(other.ok(other.get("/webhooks"))["webhooks"]) == 2

    # Over an existing webhook: its uid stays, the file's definition replaces what it names.
    changed = {**doc, "name": "Renamed", "channels": ["assets.create"]}
    over = api.ok(
        upload_file(api, f"/webhooks/{made['uid']}/import", {"webhook": changed}, "webhook")
    )
    assert over["webhook"]["uid"] == made["uid"]
    assert (over["webhook"]["name"], over["webhook"]["channels"]) == ("Renamed", ["assets.create"])
    assert over["webhook"]["destinations"] == doc["destinations"]  # the stored password stays
    assert api.ok(api.get(f"/webhooks/{made['uid']}"))["webhook"] == over["webhook"]


def test_a_bad_webhook_import_is_refused_and_writes_nothing(
    api: Api, services: Any, client: Any
) -> None:
    made = make(api, "https://hooks.example.com/a", ["assets.create"])
    bad = upload_file(api, "/webhooks/import", {"name": "No destinations"}, "webhook")
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"destinations", "channels"}
    broken = upload_file(api, "/webhooks/import", b"{not json", "webhook")
    assert broken.status_code == 400 and set(broken.json()) == {
        "error_message",
        "error_code",
        "errors",
    }
    wrong = upload_file(api, "/webhooks/import", {"name": "x"}, "file")
    assert wrong.status_code == 400 and "webhook" in wrong.json()["errors"]
    missing = upload_file(api, "/webhooks/bltnothing/import", made, "webhook")
    assert missing.status_code == 422 and "webhook" in missing.json()["errors"]
    assert [w["uid"] for w in api.ok(api.get("/webhooks"))["webhooks"]] == [made["uid"]]
    # Another stack's webhook is not there to export or import over.
    other = new_user(services, client)
    other.api_key = other.ok(
        other.post("/stacks", {"stack": {"name": "Other", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    assert other.get(f"/webhooks/{made['uid']}/export").status_code == 422
    over = upload_file(other, f"/webhooks/{made['uid']}/import", made, "webhook")
    assert over.status_code == 422
    assert api.ok(api.get(f"/webhooks/{made['uid']}"))["webhook"]["name"] == "Rebuild"


def upload_file(api: Api, path: str, doc: Any, name: str) -> Any:
    raw = doc if isinstance(doc, bytes) else orjson.dumps(doc)
    return api.post(path, files={name: ("webhook.json", raw, "application/json")})
