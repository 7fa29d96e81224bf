"""Publishing and unpublishing with variants (semantics §3), and scheduled publishes."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.test_variants_api import BASE, CT
from tests.conftest import Api
from veneer import ids


@pytest.fixture
def pub(api: Api) -> dict[str, Any]:
    api.ok(api.post("/content_types", CT), 201)
    env = api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)[
        "environment"
    ]
    entry = api.ok(api.post("/content_types/landing/entries", {"entry": BASE}), 201)["entry"]
    api.ok(
        api.post(
            "/variant_groups", {"name": "Colors", "uid": "colors", "content_types": ["landing"]}
        ),
        201,
    )
    for uid in ("red", "blue"):
        api.ok(api.post("/variant_groups/colors/variants", {"uid": uid, "name": uid.title()}), 201)
    path = f"/content_types/landing/entries/{entry['uid']}"
    for uid in ("red", "blue"):
        api.ok(api.put(path + f"/variants/{uid}", {"entry": {"title": uid, "_variant": {}}}), 201)
    return {"path": path, "env": env["uid"], "entry": entry["uid"]}


def body(
    variants: list[dict[str, Any]], rules: dict[str, bool] | None = None, **top: Any
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "environments": ["production"],
        "locales": ["en-us"],
        "variants": variants,
    }
    if rules is not None:
        entry["variant_rules"] = rules
    return {"entry": entry, "locale": "en-us", **top}


def published(api: Api, pub: dict[str, Any]) -> dict[str, int]:
    """variant uid ('' for the base) → published version, from the management API."""
    out = {}
    base = api.ok(api.get(pub["path"], params={"include_publish_details": "true"}))["entry"][
        "publish_details"
    ]
    if base:
        out[""] = base[0]["version"]
    for item in api.ok(
        api.get(pub["path"] + "/variants", params={"include_publish_details": "true"})
    )["entries"]:
        if item["publish_details"]:
            out[item["_variant"]["_uid"]] = item["publish_details"][0]["version"]
    return out


def test_variant_publish_conditionally_publishes_base(api: Api, pub: dict[str, Any]) -> None:
    answer = api.ok(
        api.post(
            pub["path"] + "/publish",
            body(
                [{"uid": "red", "version": 1}],
                {"publish_latest_base": False, "publish_latest_base_conditionally": True},
            ),
            headers={"api_version": "3.2"},
        )
    )
    assert answer["notice"] == "The requested action has been performed."
    assert published(api, pub) == {"": 1, "red": 1}
    api.ok(api.put(pub["path"], {"entry": {"count": 2}}))
    api.ok(api.post(pub["path"] + "/publish", body([{"uid": "blue", "version": 1}])))
    assert published(api, pub) == {"": 1, "red": 1, "blue": 1}  # base already there: left as it was


def test_publish_latest_base_republishes_base(api: Api, pub: dict[str, Any]) -> None:
    api.ok(api.post(pub["path"] + "/publish", body([{"uid": "red"}])))
    api.ok(api.put(pub["path"], {"entry": {"count": 2}}))
    api.ok(
        api.post(
            pub["path"] + "/publish",
            body([{"uid": "red"}], {"publish_latest_base": True}),
        )
    )
    assert published(api, pub)[""] == 2


def test_both_rules_false_without_base_is_422_and_writes_nothing(
    api: Api, pub: dict[str, Any]
) -> None:
    response = api.post(
        pub["path"] + "/publish",
        body(
            [{"uid": "red"}],
            {"publish_latest_base": False, "publish_latest_base_conditionally": False},
        ),
    )
    assert response.status_code == 422 and "entry.variant_rules" in response.json()["errors"]
    assert published(api, pub) == {}


def test_duplicates_last_wins_and_unknown_ignored(api: Api, pub: dict[str, Any]) -> None:
    api.ok(api.put(pub["path"] + "/variants/red", {"entry": {"title": "red 2", "_variant": {}}}))
    answer = api.ok(
        api.post(
            pub["path"] + "/publish?show_errors=true",
            body(
                [
                    {"uid": "red", "version": 2},
                    {"uid": "ghost", "version": 1},
                    {"uid": "red", "version": 1},
                ]
            ),
        )
    )
    assert published(api, pub) == {"": 1, "red": 1}
    assert [e["details"]["uid"] for e in answer["errors"]] == ["ghost"]
    quiet = api.ok(api.post(pub["path"] + "/publish", body([{"uid": "ghost"}])))
    assert "errors" not in quiet


def test_unknown_environment_is_422(api: Api, pub: dict[str, Any]) -> None:
    bad = body([{"uid": "red"}])
    bad["entry"]["environments"] = ["production", "nowhere"]
    assert api.post(pub["path"] + "/publish", bad).status_code == 422
    assert published(api, pub) == {}


def test_unpublish_variant_only_then_base_takes_variants(api: Api, pub: dict[str, Any]) -> None:
    api.ok(api.post(pub["path"] + "/publish", body([{"uid": "red"}, {"uid": "blue"}])))
    api.ok(api.post(pub["path"] + "/unpublish", body([{"uid": "red", "version": 1}])))
    assert published(api, pub) == {"": 1, "blue": 1}
    api.ok(
        api.post(
            pub["path"] + "/unpublish",
            {"entry": {"environments": ["production"], "locales": ["en-us"]}, "locale": "en-us"},
        )
    )
    assert published(api, pub) == {}


def test_deleting_entry_variant_unpublishes_it(api: Api, pub: dict[str, Any]) -> None:
    api.ok(api.post(pub["path"] + "/publish", body([{"uid": "red"}])))
    api.ok(api.delete(pub["path"] + "/variants/red"))
    assert published(api, pub) == {"": 1}


def test_scheduled_publish_runs_on_time(api: Api, pub: dict[str, Any], services: Any) -> None:
    from veneer.services import publishing

    soon = ids.format_time(datetime.now(UTC) + timedelta(seconds=1))
    answer = api.ok(api.post(pub["path"] + "/publish", body([{"uid": "red"}], scheduled_at=soon)))
    assert answer["job_id"] and published(api, pub) == {}
    deadline = time.monotonic() + 10  # the app's scheduler polls every 0.2 s in tests
    while time.monotonic() < deadline and published(api, pub) == {}:
        time.sleep(0.2)
    assert published(api, pub) == {"": 1, "red": 1}
    assert publishing.pending_jobs(services, api.api_key) == 0


def test_scheduled_job_survives_restart(api: Api, pub: dict[str, Any], services: Any) -> None:
    """The queue is in the database: a job queued by one process is run by any later one."""
    from veneer.services import publishing

    later = ids.format_time(datetime.now(UTC) + timedelta(hours=1))
    api.ok(api.post(pub["path"] + "/publish", body([{"uid": "blue"}], scheduled_at=later)))
    assert publishing.pending_jobs(services, api.api_key) == 1
    fresh = type(services)(
        store=services.store, settings=services.settings
    )  # a "restarted" process
    assert (
        publishing.run_due_jobs(fresh, now=ids.format_time(datetime.now(UTC) + timedelta(hours=2)))
        >= 1
    )
    assert published(api, pub) == {"": 1, "blue": 1}
