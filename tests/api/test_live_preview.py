"""Live preview (issue 14 §12), on both databases: preview tokens made for a delivery token, and
delivery reads that carry `preview_token` and a live preview hash answered with the latest saved
entries (variants merged as delivery would), uncached; everything else as before. The site is
`make_variant_site`'s: Yellow was never published."""

from __future__ import annotations

from typing import Any

from tests.api.test_delivery_variants import RED, YELLOW, VariantSite, fresh

__all__ = ["fresh"]


def delivery_token_uid(site: VariantSite, name: str = "production token") -> str:
    tokens = site.api.ok(site.api.get("/stacks/delivery_tokens"))["tokens"]
    return str(next(t["uid"] for t in tokens if t["name"] == name))


def preview_token(site: VariantSite, name: str = "production token") -> str:
    uid = delivery_token_uid(site, name)
    made = site.api.ok(site.api.post(f"/stacks/delivery_tokens/{uid}/preview_token"), 201)
    assert made["notice"] == "Preview token created successfully."
    assert made["token"]["uid"] == uid and made["token"]["name"] == name
    return str(made["token"]["preview_token"])


def previewed(site: VariantSite, token: str, path: str | None = None, **headers: str) -> Any:
    return site.get(
        path or site.path(), headers={"preview_token": token, "live_preview": "h4sh", **headers}
    )


def test_a_preview_read_serves_the_latest_saved_entry(fresh: VariantSite) -> None:
    uid = fresh.home["uid"]
    published = fresh.variant(None)["title"]
    fresh.update("landing", uid, title="Draft home", views=9)
    token = preview_token(fresh)
    assert token.startswith("cs") and len(token) == 26
    assert fresh.variant(None)["title"] == published  # delivery: the published version

    seen = previewed(fresh, token)
    assert seen.status_code == 200, seen.text
    assert seen.headers["cache-control"] == "no-store"
    entry = seen.json()["entry"]
    assert (entry["uid"], entry["title"], entry["views"]) == (uid, "Draft home", 9)
    # The published answer is untouched by the preview (and was not cached over).
    assert fresh.variant(None)["title"] == published
    listed = previewed(fresh, token, "/content_types/landing/entries").json()["entries"]
    assert {e["uid"]: e["title"] for e in listed}[uid] == "Draft home"


def test_a_preview_merges_the_saved_variants_named(fresh: VariantSite) -> None:
    """Yellow was never published and Red's draft is saved only: the preview merges both, as
    delivery will once they are published."""
    uid = fresh.home["uid"]
    fresh.put_variant(uid, RED, {"url": "/red-draft"})
    token = preview_token(fresh)
    entry = previewed(fresh, token, **{"x-cs-variant-uid": f"{YELLOW}, {RED}"}).json()["entry"]
    assert (entry["title"], entry["url"]) == ("Yellow", "/red-draft")
    served = fresh.variant(f"{YELLOW}, {RED}")
    assert (served["title"], served["url"]) == ("Red", "/home")


def test_without_a_hash_or_with_init_the_published_entry_is_served(fresh: VariantSite) -> None:
    published = fresh.variant(None)["title"]
    fresh.update("landing", fresh.home["uid"], title="Draft home")
    token = preview_token(fresh)
    for hash_ in ("init", ""):
        seen = previewed(fresh, token, live_preview=hash_).json()["entry"]
        assert seen["title"] == published
    bare = fresh.get(fresh.path(), headers={"preview_token": token}).json()["entry"]
    assert bare["title"] == published


def test_bad_preview_tokens_are_refused(fresh: VariantSite, api: Any) -> None:
    token = preview_token(fresh)
    wrong = previewed(fresh, "csnotatoken")
    assert wrong.status_code == 401
    assert (wrong.json()["error_code"], wrong.json()["errors"]) == (
        109,
        {"preview_token": ["is not valid."]},
    )
    # A preview token works for its own stack only.
    elsewhere = fresh.get(
        fresh.path(),
        api_key=api.ok(
            api.post("/stacks", {"stack": {"name": "Other", "master_locale": "en-us"}}), 201
        )["stack"]["api_key"],
        headers={"preview_token": token, "live_preview": "h4sh"},
    )
    assert elsewhere.status_code == 401
    # Its secret is no access token, and it reads content only, never writes.
    as_access = fresh.get(fresh.path(), token=token)
    assert as_access.status_code == 401
    envs = fresh.api.client.get(
        "/v3/environments",
        headers={"api_key": fresh.api_key, "preview_token": token, "live_preview": "h4sh"},
    )
    assert envs.status_code == 403
    write = fresh.api.client.put(
        f"/v3{fresh.path()}",
        json={"entry": {"title": "Hacked"}},
        headers={"api_key": fresh.api_key, "preview_token": token, "live_preview": "h4sh"},
    )
    assert write.status_code == 401
    assert fresh.api.ok(fresh.api.get(fresh.path()))["entry"]["title"] != "Hacked"


def test_a_new_preview_token_replaces_the_old_and_deleting_ends_it(fresh: VariantSite) -> None:
    first = preview_token(fresh)
    second = preview_token(fresh)
    assert previewed(fresh, first).status_code == 401
    assert previewed(fresh, second).status_code == 200
    uid = delivery_token_uid(fresh)
    listed = fresh.api.ok(fresh.api.get("/stacks/delivery_tokens"))["tokens"]
    assert all("preview_token_uid" not in t for t in listed)  # the secret is shown once only

    gone = fresh.api.ok(fresh.api.delete(f"/stacks/delivery_tokens/{uid}/preview_token"))
    assert gone["notice"] == "Preview token deleted successfully."
    assert previewed(fresh, second).status_code == 401
    again = fresh.api.delete(f"/stacks/delivery_tokens/{uid}/preview_token")
    assert again.status_code == 422 and list(again.json()["errors"]) == ["preview_token"]

    third = preview_token(fresh)
    fresh.api.ok(fresh.api.delete(f"/stacks/delivery_tokens/{uid}"))
    assert previewed(fresh, third).status_code == 401  # with its delivery token


def test_a_preview_token_of_an_unknown_delivery_token_is_refused(fresh: VariantSite) -> None:
    missing = fresh.api.post("/stacks/delivery_tokens/bltnothing/preview_token")
    assert missing.status_code == 422 and list(missing.json()["errors"]) == ["token"]


def test_preview_paths_without_v3_answer_delivery_reads_only(fresh: VariantSite) -> None:
    """The JS delivery SDK sends live preview reads to `live_preview.host`'s `/content_types/…`
    (no `/v3`): with a preview token and a hash the latest saved entry; with a delivery token
    alone (what it sends with a management token in `live_preview`) the published one. The
    management API is not answered there."""
    published = fresh.variant(None)["title"]
    fresh.update("landing", fresh.home["uid"], title="Draft home")
    token = preview_token(fresh)
    path = f"/content_types/landing/entries/{fresh.home['uid']}"
    base = {"api_key": fresh.api_key}
    delivery = {"access_token": fresh.tokens["production"]}

    def read(headers: dict[str, str], **params: str) -> Any:
        return fresh.api.client.get(
            path, params={"environment": "production", **params}, headers={**base, **headers}
        )

    seen = read({**delivery, "preview_token": token, "live_preview": "h4sh"})
    assert seen.status_code == 200 and seen.json()["entry"]["title"] == "Draft home"
    for seen in (
        read(delivery),
        read({**delivery, "live_preview": "h4sh"}),
        read({}, live_preview="h4sh", access_token=fresh.tokens["production"]),
    ):
        assert seen.status_code == 200 and seen.json()["entry"]["title"] == published
    # Without a credential of delivery, a hash says nothing (401); management reads are not there.
    assert read({"live_preview": "h4sh"}).status_code == 401
    management = fresh.api.client.get(path, headers=dict(fresh.api.client.headers))
    assert management.status_code == 404
