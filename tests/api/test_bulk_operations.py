"""Contentstack's bulk operations (docs/bulk-operations.md): `POST /v3/bulk/publish`, `unpublish`
and `delete`, and the job status reads `GET /v3/bulk/jobs/{job_id}` and `…/items`."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.api.test_assets import Stage, png, upload
from tests.api.test_variants_api import BASE, CT
from tests.conftest import MAIN_BRANCH, Api, new_user
from veneer import ids
from veneer.services import bulk_operations, publishing
from veneer.store import tables as t

ARTICLE = {
    "content_type": {
        "title": "Article",
        "uid": "article",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True}
        ],
    }
}
PUBLISHED = "Your bulk publish request is in progress. Please check publish queue for more details."


class Bulk(Stage):
    """A stack with an environment, a delivery token, two articles and an asset."""

    def __init__(self, api: Api) -> None:
        super().__init__(api)
        self.env = api.ok(api.get("/environments/production"))["environment"]["uid"]
        api.ok(api.post("/content_types", ARTICLE), 201)
        self.entries = [
            api.ok(api.post("/content_types/article/entries", {"entry": {"title": t}}), 201)[
                "entry"
            ]["uid"]
            for t in ("One", "Two")
        ]
        self.asset = upload(self.api, png())["asset"]["uid"]

    def items(self, *uids: str, locale: str = "en-us") -> list[dict[str, Any]]:
        return [{"uid": uid, "content_type": "article", "locale": locale} for uid in uids]

    def bulk(self, action: str, status: int = 200, **body: Any) -> dict[str, Any]:
        sent = {"locales": ["en-us"], "environments": ["production"], **body}
        return self.api.ok(
            self.api.post(f"/bulk/{action}", sent, headers={"api_version": "3.2"}), status
        )

    def served(self, uid: str) -> bool:
        return self.deliver(f"/content_types/article/entries/{uid}").status_code == 200

    def asset_served(self, uid: str) -> bool:
        return self.deliver(f"/assets/{uid}").status_code == 200

    def job(self, job_id: str) -> dict[str, Any]:
        return self.api.ok(self.api.get(f"/bulk/jobs/{job_id}", headers={"api_version": "3.2"}))

    def job_items(self, job_id: str, **params: Any) -> dict[str, Any]:
        return self.api.ok(self.api.get(f"/bulk/jobs/{job_id}/items", params=params))


@pytest.fixture
def stage(api: Api) -> Bulk:
    return Bulk(api)


def test_bulk_publish_is_served_by_delivery_and_its_job_answers(stage: Bulk) -> None:
    assert not stage.served(stage.entries[0])
    answer = stage.bulk(
        "publish", entries=stage.items(*stage.entries), assets=[{"uid": stage.asset}]
    )
    assert answer["notice"] == PUBLISHED
    assert all(stage.served(uid) for uid in stage.entries)
    assert stage.asset_served(stage.asset)
    job = stage.job(answer["job_id"])
    assert job["uid"] == answer["job_id"]
    assert (job["api_key"], job["action"], job["status"]) == (
        stage.api.api_key,
        "publish",
        "complete",
    )
    assert (job["body"]["locales"], job["body"]["environments"]) == (["en-us"], [stage.env])
    assert job["summary"]["success"] == job["summary"]["total_processed"] == 3
    assert job["summary"]["unsuccess"] == 0
    items = stage.job_items(answer["job_id"])["items"]
    assert [(i["type"], i["uid"], i["publish_details"]) for i in items] == [
        ("entry", stage.entries[0], {"status": "success"}),
        ("entry", stage.entries[1], {"status": "success"}),
        ("asset", stage.asset, {"status": "success"}),
    ]
    first = items[0]
    assert first["content_type"] == {"uid": "article"}
    assert (first["title"], first["version"], first["locale"]) == ("One", 1, "en-us")
    assert (first["environment"], first["publish_locale"], first["action"]) == (
        stage.env,
        "en-us",
        "publish",
    )
    assert first["published_at"] and "content_type" not in items[2]


def test_bulk_unpublish_takes_the_items_off_delivery(stage: Bulk) -> None:
    stage.bulk("publish", entries=stage.items(*stage.entries), assets=[{"uid": stage.asset}])
    answer = stage.bulk(
        "unpublish", entries=stage.items(stage.entries[0]), assets=[{"uid": stage.asset}]
    )
    assert answer["notice"].startswith("Your bulk unpublish request is in progress.")
    assert not stage.served(stage.entries[0]) and stage.served(stage.entries[1])
    assert not stage.asset_served(stage.asset)
    assert stage.job(answer["job_id"])["action"] == "unpublish"
    assert {i["action"] for i in stage.job_items(answer["job_id"])["items"]} == {"unpublish"}


def test_a_published_version_is_the_one_named(stage: Bulk) -> None:
    uid = stage.entries[0]
    stage.api.ok(
        stage.api.put(f"/content_types/article/entries/{uid}", {"entry": {"title": "New"}})
    )
    item = {**stage.items(uid)[0], "version": 1}
    stage.bulk("publish", entries=[item])
    served = stage.deliver(f"/content_types/article/entries/{uid}").json()["entry"]
    assert (served["title"], served["_version"]) == ("One", 1)


def test_unknown_items_are_all_named_and_nothing_is_published(stage: Bulk) -> None:
    refused = stage.bulk(
        "publish",
        422,
        entries=[
            *stage.items(stage.entries[0]),
            *stage.items("bltnothere"),
            {"uid": stage.entries[1], "content_type": "nothing", "locale": "en-us"},
        ],
        assets=[{"uid": "bltnoasset"}],
        environments=["production", "staging"],
        locales=["en-us", "xx-yy"],
    )
    assert refused["error_code"] == 141
    assert set(refused["errors"]) == {
        "entries.1",
        "entries.2",
        "assets.0",
        "environments",
        "locales",
    }
    assert "bltnothere" in refused["errors"]["entries.1"][0]
    assert "nothing" in refused["errors"]["entries.2"][0]
    assert refused["errors"]["environments"] == ["'staging' doesn't exist."]
    assert refused["errors"]["locales"] == ["'xx-yy' is not a locale of this stack."]
    assert not stage.served(stage.entries[0])
    missing_version = stage.bulk(
        "publish", 422, entries=[{**stage.items(stage.entries[0])[0], "version": 7}]
    )
    assert "no version 7" in missing_version["errors"]["entries.0"][0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"entries": "x"}, "entries"),
        ({"entries": []}, "entries"),
        ({"entries": [{"uid": "a"}]}, "entries.0"),
        ({"entries": [{"uid": "a", "content_type": "article", "version": "v2"}]}, "entries.0"),
        ({"assets": [{"version": 1}]}, "assets.0"),
        ({"assets": [{"uid": "a"}], "environments": []}, "environments"),
        ({"assets": [{"uid": "a"}], "environments": "production"}, "environments"),
        ({"assets": [{"uid": "a"}], "locales": [3]}, "locales"),
        ({"assets": [{"uid": "a"}], "scheduled_at": "soon"}, "scheduled_at"),
        ({"assets": [{"uid": "a"}], "scheduled_at": "2999-01-01T00:00:00.000Z"}, "scheduled_at"),
    ],
)
def test_malformed_requests_are_refused(stage: Bulk, body: dict[str, Any], field: str) -> None:
    refused = stage.bulk("publish", 422, **body)
    assert field in refused["errors"], refused


def test_an_unreadable_variant_list_is_named(stage: Bulk) -> None:
    item = {**stage.items(stage.entries[0])[0], "variants": "red"}
    refused = stage.bulk("publish", 422, entries=[item])
    assert "entry.variants: must be a list" in refused["errors"]["entries.0"][0]


def test_the_documented_limits_per_request(stage: Bulk) -> None:
    ten = stage.items(*[stage.entries[0]] * 10)
    assert stage.bulk("publish", entries=ten)["job_id"]
    over = stage.bulk("publish", 422, entries=ten, assets=[{"uid": stage.asset}])
    assert over["errors"]["entries"] == ["A bulk request takes at most 10 entries and assets."]
    envs = stage.bulk("publish", 422, entries=ten[:1], environments=["production"] * 11)
    assert envs["errors"]["environments"] == ["A bulk request takes at most 10 environments."]
    codes = stage.bulk("unpublish", 422, entries=ten[:1], locales=["en-us"] * 11)
    assert codes["errors"]["locales"] == ["A bulk request takes at most 10 locales."]
    deleted = stage.api.post("/bulk/delete", {"entries": stage.items(*[stage.entries[0]] * 101)})
    assert deleted.status_code == 422
    assert deleted.json()["errors"]["entries"] == [
        "A bulk request takes at most 100 entries and assets."
    ]
    assert stage.served(stage.entries[0])  # the refused unpublish left it published


def test_job_items_filter_page_and_count(stage: Bulk) -> None:
    stage.api.ok(
        stage.api.post("/locales", {"locale": {"code": "fr-fr", "fallback_locale": "en-us"}}), 201
    )
    answer = stage.bulk(
        "publish",
        entries=stage.items(*stage.entries),
        assets=[{"uid": stage.asset}],
        locales=["en-us", "fr-fr"],
    )
    job = answer["job_id"]
    assert stage.job(job)["summary"]["total_processed"] == 6
    assets = stage.job_items(job, type="asset")["items"]
    assert [(i["uid"], i["publish_locale"]) for i in assets] == [
        (stage.asset, "en-us"),
        (stage.asset, "fr-fr"),
    ]
    assert len(stage.job_items(job, **{"ct[]": "article"})["items"]) == 4
    assert stage.job_items(job, status="failed")["items"] == []
    page = stage.job_items(job, limit=2, include_count="true")
    assert (len(page["items"]), page["skip"], page["limit"], page["total_count"]) == (2, 0, 2, 6)
    later = stage.job_items(job, skip=4, include_count="true")
    assert len(later["items"]) == 2 and "total_count" not in later
    refused = stage.api.get(f"/bulk/jobs/{job}/items", params={"status": "done"})
    assert refused.status_code == 422 and "status" in refused.json()["errors"]


def _variants(api: Api) -> str:
    api.ok(api.post("/content_types", CT), 201)
    entry = api.ok(api.post("/content_types/landing/entries", {"entry": BASE}), 201)["entry"]
    group = {"name": "Colors", "uid": "colors", "content_types": ["landing"]}
    api.ok(api.post("/variant_groups", group), 201)
    api.ok(api.post("/variant_groups/colors/variants", {"uid": "red", "name": "Red"}), 201)
    path = f"/content_types/landing/entries/{entry['uid']}/variants/red"
    api.ok(api.put(path, {"entry": {"title": "red", "_variant": {}}}), 201)
    return str(entry["uid"])


def test_variants_are_published_and_an_item_failing_is_recorded(stage: Bulk) -> None:
    landing = _variants(stage.api)
    strict = {"publish_latest_base": False, "publish_latest_base_conditionally": False}
    answer = stage.bulk(
        "publish",
        entries=[
            {
                "uid": landing,
                "content_type": "landing",
                "locale": "en-us",
                "variants": [{"uid": "red"}],
                "variant_rules": strict,
            },
            *stage.items(stage.entries[0]),
        ],
    )
    summary = stage.job(answer["job_id"])["summary"]
    assert (summary["success"], summary["unsuccess"]) == (1, 1)
    failed = stage.job_items(answer["job_id"], status="failed")["items"]
    assert [i["uid"] for i in failed] == [landing]
    assert failed[0]["published_at"] is None
    assert "base entry is not published" in failed[0]["publish_details"]["failure_reason"]
    assert stage.served(stage.entries[0])
    stage.bulk(
        "publish",
        entries=[
            {
                "uid": landing,
                "content_type": "landing",
                "locale": "en-us",
                "variants": [{"uid": "red"}],
                "variant_rules": {"publish_latest_base": True},
            }
        ],
    )
    variant = stage.api.ok(
        stage.api.get(
            f"/content_types/landing/entries/{landing}/variants/red",
            params={"include_publish_details": "true"},
        )
    )["entry"]
    assert [d["environment"] for d in variant["publish_details"]] == [stage.env]


def test_bulk_delete(stage: Bulk) -> None:
    api = stage.api
    api.ok(api.post("/locales", {"locale": {"code": "fr-fr", "fallback_locale": "en-us"}}), 201)
    one, two = stage.entries
    path = f"/content_types/article/entries/{two}"
    api.ok(api.put(path, {"entry": {"title": "Deux"}}, params={"locale": "fr-fr"}))
    refused = api.post(
        "/bulk/delete",
        {"entries": stage.items(one, "bltnothere"), "assets": [{"uid": stage.asset}]},
    )
    assert refused.status_code == 422 and set(refused.json()["errors"]) == {"entries.1"}
    assert api.get(f"/content_types/article/entries/{one}").status_code == 200
    answer = api.ok(
        api.post(
            "/bulk/delete",
            {
                "entries": [*stage.items(one), *stage.items(two, locale="fr-fr")],
                "assets": [{"uid": stage.asset}],
            },
        )
    )
    assert answer == {
        "notice": "Your bulk delete request is in progress. Please check bulk task queue for "
        "more details."
    }
    assert api.get(f"/content_types/article/entries/{one}").status_code == 422
    localized = api.ok(api.get(path, params={"locale": "fr-fr"}))["entry"]
    assert (localized["title"], localized["locale"]) == ("Two", "en-us")  # the fallback now
    assert api.get(f"/assets/{stage.asset}").status_code == 422


def test_jobs_are_the_stacks_own(stage: Bulk, services: Any, client: Any) -> None:
    job = stage.bulk("publish", entries=stage.items(stage.entries[0]))["job_id"]
    other = new_user(services, client)
    other.api_key = other.ok(
        other.post("/stacks", {"stack": {"name": "B", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    for path in (f"/bulk/jobs/{job}", f"/bulk/jobs/{job}/items"):
        elsewhere = other.get(path)
        assert elsewhere.status_code == 422 and elsewhere.json()["error_code"] == 141
        assert other.get(path, headers={"api_key": stage.api.api_key}).status_code == 412
    assert stage.api.get("/bulk/jobs/not-a-job").status_code == 422
    sent = {"entries": stage.items(stage.entries[1]), "environments": ["production"]}
    assert (
        other.post("/bulk/publish", sent, headers={"api_key": stage.api.api_key}).status_code == 412
    )
    assert not stage.served(stage.entries[1])


def test_a_token_writes_only_the_modules_its_scope_names(stage: Bulk) -> None:
    scope = [{"module": "asset", "acl": {"read": True, "write": True}}, MAIN_BRANCH]
    token = stage.api.ok(
        stage.api.post("/stacks/management_tokens", {"token": {"name": "a", "scope": scope}}),
        201,
    )["token"]["token"]
    as_token = {"authtoken": "", "authorization": token}
    sent = {"environments": ["production"], "assets": [{"uid": stage.asset}]}
    assert stage.api.post("/bulk/publish", sent, headers=as_token).status_code == 200
    with_entries = {**sent, "entries": stage.items(stage.entries[0])}
    assert stage.api.post("/bulk/publish", with_entries, headers=as_token).status_code == 403
    assert not stage.served(stage.entries[0])


def _pending(services: Any, api_key: str) -> int:
    with services.store.read() as tx:
        return int(tx.jobs.pending(api_key))


def _drain(services: Any, stage: Bulk, job: str, now: str | None = None) -> dict[str, Any]:
    """Run the due jobs (the app's scheduler may take some of them too) until the job is done."""
    for _ in range(100):
        publishing.run_due_jobs(services, now)
        status = stage.job(job)
        if status["status"] == "complete":
            return status
        time.sleep(0.1)
    raise AssertionError(f"job {job} never completed: {status}")


def test_a_small_job_runs_in_the_request(stage: Bulk, services: Any) -> None:
    stage.bulk("publish", entries=stage.items(*stage.entries))
    assert _pending(services, stage.api.api_key) == 0  # its queued items were all run


def test_a_large_job_is_left_to_the_scheduler(stage: Bulk, services: Any) -> None:
    api = stage.api
    codes = ["en-us", *(f"fr-f{c}" for c in "abcde")]
    for code in codes[1:]:
        api.ok(api.post("/locales", {"locale": {"code": code, "fallback_locale": "en-us"}}), 201)
    api.ok(api.post("/environments", {"environment": {"name": "staging"}}), 201)
    ten = [stage.entries[n % 2] for n in range(10)]
    answer = stage.bulk(
        "publish", entries=stage.items(*ten), locales=codes, environments=["production", "staging"]
    )
    assert stage.job(answer["job_id"])["status"] == "in_progress"  # 120 publications queued
    done = _drain(services, stage, answer["job_id"])
    assert done["summary"]["success"] == done["summary"]["total_processed"] == 120
    items = stage.job_items(answer["job_id"], skip=100)["items"]
    assert [(i["uid"], i["publish_locale"]) for i in items[-2:]] == [
        (stage.entries[1], "fr-fd"),
        (stage.entries[1], "fr-fe"),
    ]
    assert all(stage.served(uid) for uid in stage.entries)


def test_items_a_request_left_undone_are_run_by_the_scheduler(
    stage: Bulk, services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:  # as if the request were cut off after its commit
        patched.setattr(publishing, "run_job", lambda services, uid: 0)
        answer = stage.bulk("publish", entries=stage.items(stage.entries[0]))
        assert stage.job(answer["job_id"])["status"] == "in_progress"
    publishing.run_due_jobs(services)
    assert not stage.served(stage.entries[0])  # not before the grace period
    later = ids.format_time(datetime.now(UTC) + bulk_operations.GRACE + timedelta(seconds=1))
    assert _drain(services, stage, answer["job_id"], later)["summary"]["success"] == 1
    assert stage.served(stage.entries[0])


def test_what_a_request_has_no_time_for_goes_to_the_scheduler_at_once(
    stage: Bulk, services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:  # no time at all to run items in the request
        patched.setattr(bulk_operations, "REQUEST_SHARE", 0)
        answer = stage.bulk("publish", entries=stage.items(*stage.entries))
    answered = ids.now()
    # Handed over due at once, not a minute ahead as a job run in the request queues its items
    # (whether a scheduler, of this process or of a server on the same database, has taken them
    # yet is its business: the rows keep their `run_at` either way).
    j = t.jobs
    with services.store.engine.connect() as conn:
        due = conn.execute(select(j.c.run_at).where(j.c.stack == stage.api.api_key)).scalars()
        run_at = list(due)
    assert len(run_at) == 2 and all(at <= answered for at in run_at)
    assert _drain(services, stage, answer["job_id"])["summary"]["success"] == 2
    assert all(stage.served(uid) for uid in stage.entries)


PERSON = {
    "content_type": {
        "title": "Person",
        "uid": "person",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
            {
                "display_name": "Friend",
                "uid": "friend",
                "data_type": "reference",
                "reference_to": ["person"],
                "field_metadata": {"ref_multiple": True},
            },
            {"display_name": "Photo", "uid": "photo", "data_type": "file"},
        ],
    }
}


def _people(stage: Bulk) -> list[str]:
    """Yann, Xavier (Yann's friend, with the stage's asset as photo), Anna (Xavier's friend)."""
    api, uids = stage.api, []
    api.ok(api.post("/content_types", PERSON), 201)
    for n, name in enumerate(("Yann", "Xavier", "Anna")):
        entry: dict[str, Any] = {"title": name}
        if uids:
            entry["friend"] = [{"uid": uids[-1], "_content_type_uid": "person"}]
        if n == 1:
            entry["photo"] = stage.asset
        uids.append(
            api.ok(api.post("/content_types/person/entries", {"entry": entry}), 201)["entry"]["uid"]
        )
    return uids


def _published_with_references(stage: Bulk, anna: str, **headers: str) -> list[tuple[str, int]]:
    body = {
        "entries": [{"uid": anna, "content_type": "person", "locale": "en-us"}],
        "locales": ["en-us"],
        "environments": ["production"],
        "publish_with_reference": True,
    }
    job = stage.api.ok(stage.api.post("/bulk/publish", body, headers=headers))["job_id"]
    return [(i["uid"], i["depth"]) for i in stage.job_items(job)["items"]]


def test_publish_with_reference_takes_one_level_along(stage: Bulk) -> None:
    yann, xavier, anna = _people(stage)
    assert _published_with_references(stage, anna) == [(anna, 0), (xavier, 1)]
    person = "/content_types/person/entries/"
    assert stage.deliver(person + xavier).status_code == 200
    assert stage.deliver(person + yann).status_code != 200
    assert not stage.asset_served(stage.asset)  # Xavier's photo: two levels down


def test_the_nested_flow_publishes_references_five_levels_deep(stage: Bulk) -> None:
    yann, xavier, anna = _people(stage)
    assert _published_with_references(stage, anna, api_version="3.2") == [
        (anna, 0),
        (xavier, 1),
        (yann, 2),
        (stage.asset, 2),
    ]
    assert stage.deliver("/content_types/person/entries/" + yann).status_code == 200
    assert stage.asset_served(stage.asset)
    unnested = stage.bulk("publish", entries=[{"uid": anna, "content_type": "person"}])
    assert [i["uid"] for i in stage.job_items(unnested["job_id"])["items"]] == [anna]


def test_too_many_references_are_refused_with_nothing_published(
    stage: Bulk, monkeypatch: pytest.MonkeyPatch
) -> None:
    _yann, xavier, anna = _people(stage)
    monkeypatch.setattr(bulk_operations, "MAX_REFERENCED", 1)
    body = {
        "entries": [{"uid": anna, "content_type": "person"}],
        "environments": ["production"],
        "publish_with_reference": True,
    }
    refused = stage.api.post("/bulk/publish", body, headers={"api_version": "3.2"})
    assert refused.status_code == 422 and "publish_with_reference" in refused.json()["errors"]
    assert stage.deliver("/content_types/person/entries/" + xavier).status_code != 200
    assert stage.deliver("/content_types/person/entries/" + anna).status_code != 200
