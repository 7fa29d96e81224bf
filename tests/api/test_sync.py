"""The Sync API (issue 15 §2, docs/sync.md), on both databases: an initial sync answers what an
environment has published, a sync token then answers exactly what changed since, in pages of 100
with a pagination token, filtered as asked; tokens are tamper-evident and bound to their stack and
environment."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_assets import png, upload
from tests.conftest import MAIN_BRANCH, Api, new_user
from tests.cost import Cost, measure
from veneer.services import bulk
from veneer.services.context import Services

PAGE = {
    "content_type": {
        "title": "Page",
        "uid": "page",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
            {"display_name": "Body", "uid": "body", "data_type": "text"},
        ],
    }
}
NOTE = {
    "content_type": {
        "title": "Note",
        "uid": "note",
        "schema": [{"display_name": "Title", "uid": "title", "data_type": "text"}],
    }
}


class Stack:
    """A stack with production and staging, page and note content types, fr-fr besides en-us,
    and a delivery token for production."""

    def __init__(self, api: Api) -> None:
        self.api = api
        api.ok(api.post("/locales", {"locale": {"code": "fr-fr", "fallback_locale": "en-us"}}), 201)
        self.envs = {
            name: api.ok(api.post("/environments", {"environment": {"name": name}}), 201)[
                "environment"
            ]["uid"]
            for name in ("production", "staging")
        }
        for body in (PAGE, NOTE):
            api.ok(api.post("/content_types", body), 201)
        self.token = self.delivery_token(["production"])

    def delivery_token(self, envs: list[str]) -> str:
        scope = [
            {"module": "environment", "environments": envs, "acl": {"read": True}},
            MAIN_BRANCH,
        ]
        body = {"token": {"name": "sync", "scope": scope}}
        return str(
            self.api.ok(self.api.post("/stacks/delivery_tokens", body), 201)["token"]["token"]
        )

    # -- management ------------------------------------------------------------------------------
    def create(self, ct: str = "page", locale: str = "en-us", **fields: Any) -> str:
        body = {"entry": fields}
        made = self.api.post(f"/content_types/{ct}/entries", body, params={"locale": locale})
        return str(self.api.ok(made, 201)["entry"]["uid"])

    def update(self, uid: str, ct: str = "page", **fields: Any) -> None:
        self.api.ok(self.api.put(f"/content_types/{ct}/entries/{uid}", {"entry": fields}))

    def publish(
        self, uid: str, ct: str = "page", env: str = "production", locale: str = "en-us"
    ) -> None:
        self._act(f"/content_types/{ct}/entries/{uid}/publish", env, locale)

    def unpublish(self, uid: str, ct: str = "page", env: str = "production") -> None:
        self._act(f"/content_types/{ct}/entries/{uid}/unpublish", env, "en-us")

    def _act(self, path: str, env: str, locale: str) -> None:
        body = {"entry": {"environments": [env], "locales": [locale]}, "locale": locale}
        self.api.ok(self.api.post(path, body))

    def asset(self, name: str = "a.png", publish: bool = True) -> str:
        uid = str(upload(self.api, png(), name)["asset"]["uid"])
        if publish:
            target = {"asset": {"environments": ["production"], "locales": ["en-us"]}}
            self.api.ok(self.api.post(f"/assets/{uid}/publish", target))
        return uid

    # -- delivery --------------------------------------------------------------------------------
    def sync(self, status: int = 200, token: str | None = None, **params: Any) -> dict[str, Any]:
        headers = {"api_key": self.api.api_key, "access_token": token or self.token}
        query = {"environment": "production", **params}
        response = self.api.client.get("/v3/stacks/sync", params=query, headers=headers)
        assert response.status_code == status, response.text
        return response.json()  # type: ignore[no-any-return]

    def sync_all(self, **params: Any) -> tuple[list[dict[str, Any]], str]:
        """Every page of a sync: its items and its sync token."""
        body = self.sync(**params)
        items = list(body["items"])
        while "pagination_token" in body:
            body = self.sync(pagination_token=body["pagination_token"])
            items += body["items"]
        return items, body["sync_token"]


@pytest.fixture
def stack(api: Api) -> Stack:
    return Stack(api)


def brief(items: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(type, content type, uid, locale) of each item."""
    return [
        (
            item["type"],
            item["content_type_uid"],
            item["data"].get("uid", ""),
            item["data"].get("locale", item["data"].get("publish_details", {}).get("locale", "")),
        )
        for item in items
    ]


def test_init_answers_what_is_published_then_a_sync_token_exactly_what_changed(
    stack: Stack,
) -> None:
    home, about, draft = (
        stack.create(title="Home"),
        stack.create(title="About"),
        stack.create(title="Draft"),
    )
    stack.publish(home)
    stack.publish(about)
    stack.publish(home, env="staging")
    photo = stack.asset("photo.png")
    stack.asset("unpublished.png", publish=False)
    body = stack.sync(init="true")
    assert set(body) == {"items", "skip", "limit", "total_count", "sync_token"}
    assert (body["skip"], body["limit"], body["total_count"]) == (0, 100, 3)
    assert brief(body["items"]) == [
        ("entry_published", "page", home, "en-us"),
        ("entry_published", "page", about, "en-us"),
        ("asset_published", "sys_assets", photo, "en-us"),
    ]
    first = body["items"][0]
    assert list(first) == ["type", "event_at", "content_type_uid", "data"]
    assert first["data"]["title"] == "Home"
    assert first["event_at"] == first["data"]["publish_details"]["time"]
    assert body["items"][2]["data"]["url"].startswith("http")

    stack.publish(draft)
    stack.update(home, title="Home 2")
    stack.publish(home)
    stack.unpublish(about)
    stack.publish(about, env="staging")  # another environment: not reported
    gone = stack.create(title="Gone")
    stack.publish(gone)
    stack.api.ok(stack.api.delete(f"/content_types/page/entries/{gone}"))
    picture = stack.asset("picture.png")
    stack.api.ok(stack.api.delete(f"/assets/{photo}"))
    stack.api.ok(stack.api.delete("/content_types/note"))
    changes = stack.sync(sync_token=body["sync_token"])
    assert (changes["skip"], changes["total_count"]) == (0, 8)
    assert brief(changes["items"]) == [
        ("entry_published", "page", draft, "en-us"),
        ("entry_published", "page", home, "en-us"),
        ("entry_unpublished", "page", about, "en-us"),
        ("entry_published", "page", gone, "en-us"),
        ("entry_deleted", "page", gone, "en-us"),
        ("asset_published", "sys_assets", picture, "en-us"),
        ("asset_deleted", "sys_assets", photo, "en-us"),
        ("content_type_deleted", "note", "", ""),
    ]
    assert changes["items"][1]["data"]["title"] == "Home 2"
    assert changes["items"][2]["data"] == {"uid": about, "locale": "en-us"}
    assert changes["items"][-1]["data"] == {}
    again = stack.sync(sync_token=changes["sync_token"])
    assert again["items"] == [] and again["total_count"] == 0


def test_each_change_is_an_item_of_its_own(stack: Stack) -> None:
    """As Contentstack's: publishing one entry three times is three items, in order."""
    uid = stack.create(title="v1")
    token = stack.sync(init="true")["sync_token"]
    for n in (1, 2, 3):
        stack.update(uid, title=f"v{n}")
        stack.publish(uid)
    items = stack.sync(sync_token=token)["items"]
    assert [item["data"]["title"] for item in items] == ["v1", "v2", "v3"]


def test_pages_of_a_hundred_cover_everything_once(stack: Stack, services: Services) -> None:
    actor = bulk.owner(services, stack.api.api_key)
    load = bulk.Load("page", "en-us", ("production",))
    items = ({"entry": {"title": f"Page {n}"}} for n in range(230))
    assert bulk.load_entries(services, actor, stack.api.api_key, load, items).loaded == 230
    first = stack.sync(init="true")
    assert (len(first["items"]), first["total_count"], "sync_token" in first) == (100, 230, False)
    second = stack.sync(pagination_token=first["pagination_token"])
    assert (second["skip"], second["limit"], len(second["items"])) == (100, 100, 100)
    new = stack.create(title="Published during the sync")
    stack.publish(new)
    third = stack.sync(pagination_token=second["pagination_token"])
    assert (third["skip"], len(third["items"]), "pagination_token" in third) == (200, 30, False)
    titles = [item["data"]["title"] for page in (first, second, third) for item in page["items"]]
    assert sorted(titles) == sorted(f"Page {n}" for n in range(230))
    after = stack.sync(sync_token=third["sync_token"])
    assert brief(after["items"]) == [("entry_published", "page", new, "en-us")]


def test_a_sync_token_with_many_changes_pages_too(stack: Stack, services: Services) -> None:
    token = stack.sync(init="true")["sync_token"]
    actor = bulk.owner(services, stack.api.api_key)
    load = bulk.Load("page", "en-us", ("production",))
    items = ({"entry": {"title": f"Page {n}"}} for n in range(150))
    bulk.load_entries(services, actor, stack.api.api_key, load, items)
    first = stack.sync(sync_token=token)
    assert (len(first["items"]), first["total_count"]) == (100, 150)
    second = stack.sync(pagination_token=first["pagination_token"])
    assert (second["skip"], len(second["items"]), second["total_count"]) == (100, 50, 150)
    assert stack.sync(sync_token=second["sync_token"])["items"] == []


def test_filters(stack: Stack) -> None:
    page_en = stack.create(title="English")
    stack.publish(page_en)
    page_fr = stack.create(title="Français", locale="fr-fr")
    stack.publish(page_fr, locale="fr-fr")
    note = stack.create("note", title="Note")
    stack.publish(note, "note")
    photo = stack.asset()
    by_type = stack.sync(init="true", content_type_uid="note")["items"]
    assert brief(by_type) == [("entry_published", "note", note, "en-us")]
    assets_only = stack.sync(init="true", type="asset_published,asset_deleted")["items"]
    assert brief(assets_only) == [("asset_published", "sys_assets", photo, "en-us")]
    french = stack.sync(init="true", locale="fr-fr")["items"]
    assert brief(french) == [("entry_published", "page", page_fr, "fr-fr")]
    later = stack.sync(init="true", start_from="2999-01-01")
    assert later["items"] == []
    earlier = stack.sync(init="true", start_from="2000-01-01T00:00:00.000Z")
    assert len(earlier["items"]) == 4
    small = stack.sync(init="true", limit="3")
    assert (small["limit"], len(small["items"]), "pagination_token" in small) == (3, 3, True)


def test_a_sync_token_keeps_the_filters_it_started_with(stack: Stack) -> None:
    token = stack.sync(init="true", type="entry_published,entry_unpublished,entry_deleted")[
        "sync_token"
    ]
    stack.asset()
    note = stack.create("note", title="Note")
    stack.publish(note, "note")
    stack.api.ok(stack.api.delete("/content_types/note"))
    # Gatsby sends the filters again with the token: the token's own win.
    items = stack.sync(sync_token=token, type="asset_published", include_count="true")["items"]
    assert brief(items) == [
        ("entry_published", "note", note, "en-us"),
        ("entry_deleted", "note", note, "en-us"),
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"sync_token": "nonsense"},
        {"pagination_token": "eyJ9.AAAA"},
        {"init": "true", "type": "entry_created"},
        {"init": "true", "start_from": "yesterday"},
        {"init": "true", "limit": "0"},
        {},
    ],
)
def test_bad_requests_are_a_422_in_contentstacks_shape(
    stack: Stack, params: dict[str, str]
) -> None:
    body = stack.sync(422, **params)
    assert set(body) == {"error_message", "error_code", "errors"} and body["error_code"] == 141


def test_an_edited_token_is_refused(stack: Stack) -> None:
    token = stack.sync(init="true")["sync_token"]
    payload, _, signature = token.partition(".")
    forged = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + "." + signature
    body = stack.sync(422, sync_token=forged)
    assert body["errors"] == {"sync_token": ["is not valid."]}


def test_tokens_are_bound_to_their_stack_and_environment(
    stack: Stack, services: Services, client: Any
) -> None:
    secret = stack.create(title="Secret")
    stack.publish(secret)
    token = stack.sync(init="true")["sync_token"]
    both = stack.delivery_token(["production", "staging"])
    refused = stack.sync(422, token=both, environment="staging", sync_token=token)
    assert refused["errors"] == {"sync_token": ["is not valid."]}
    other = Stack(_other_stack(services, client))
    stolen = other.api.client.get(
        "/v3/stacks/sync",
        params={"environment": "production", "sync_token": token},
        headers={"api_key": other.api.api_key, "access_token": other.token},
    )
    assert stolen.status_code == 422 and secret not in stolen.text
    theirs_with_mine = stack.api.client.get(
        "/v3/stacks/sync",
        params={"environment": "production", "init": "true"},
        headers={"api_key": stack.api.api_key, "access_token": other.token},
    )
    assert theirs_with_mine.status_code == 401 and secret not in theirs_with_mine.text


def test_a_deleted_environment_or_stack_leaks_nothing(stack: Stack) -> None:
    secret = stack.create(title="Secret")
    stack.publish(secret)
    token = stack.sync(init="true")["sync_token"]
    stack.api.ok(stack.api.delete("/environments/production"))
    gone = stack.sync(422, sync_token=token)
    assert secret not in str(gone)
    stack.api.ok(stack.api.delete("/stacks"))
    headers = {"api_key": stack.api.api_key, "access_token": stack.token}
    response = stack.api.client.get(
        "/v3/stacks/sync", params={"sync_token": token}, headers=headers
    )
    assert response.status_code in (401, 412) and secret not in response.text


def test_the_environment_may_come_from_the_token(stack: Stack) -> None:
    uid = stack.create(title="Home")
    token = stack.sync(init="true")["sync_token"]
    stack.publish(uid)
    headers = {"api_key": stack.api.api_key, "access_token": stack.token}
    response = stack.api.client.get(
        "/v3/stacks/sync", params={"sync_token": token}, headers=headers
    )
    assert brief(response.json()["items"]) == [("entry_published", "page", uid, "en-us")]


def test_credentials_are_checked_before_the_token(stack: Stack) -> None:
    headers = {"api_key": stack.api.api_key, "access_token": "not a token"}
    query = {"environment": "production", "sync_token": "nonsense"}
    response = stack.api.client.get("/v3/stacks/sync", params=query, headers=headers)
    assert response.status_code == 401


def test_a_management_credential_gets_401(stack: Stack) -> None:
    response = stack.api.get("/stacks/sync", params={"init": "true"})
    assert response.status_code == 401


def _other_stack(services: Services, client: Any) -> Api:
    other = new_user(services, client)
    other.api_key = other.ok(
        other.post("/stacks", {"stack": {"name": "Other", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    return other


def test_a_page_costs_the_same_at_any_size(stack: Stack, services: Services) -> None:
    """Keyset pages (tests/cost.py): the second page of an initial sync and of a sync token's
    changes cost the same statements and steps at N published entries and at 4N, with every read
    of publications an index search."""
    actor = bulk.owner(services, stack.api.api_key)
    load = bulk.Load("page", "en-us", ("production",))

    def grow(count: int) -> None:
        items = ({"entry": {"title": f"Page {n}"}} for n in range(count))
        bulk.load_entries(services, actor, stack.api.api_key, load, items)

    def second_pages() -> tuple[Cost, Cost]:
        first = stack.sync(init="true", limit="10")
        with measure(services.store) as init_cost:
            stack.sync(pagination_token=first["pagination_token"])
        changes = stack.sync(sync_token=token)
        with measure(services.store) as delta_cost:
            stack.sync(pagination_token=changes["pagination_token"])
        return init_cost, delta_cost

    token = stack.sync(init="true", limit="10")["sync_token"]  # its pages: 10 items too
    grow(40)
    small = second_pages()
    grow(120)
    large = second_pages()
    for at_n, at_4n in zip(small, large, strict=True):
        assert at_n.same_as(at_4n), (at_n.summary(), at_4n.summary())
        assert at_4n.scans == []
