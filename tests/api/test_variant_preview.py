"""Previewing variant drafts on the management API (issue 16 §2), on both databases: a management
entry read with `variant_preview=true` and `x-cs-variant-uid` merges the latest saved base with the
latest saved variants in that locale, published or not, with the delivery merge; explain and
applied variants as on delivery. The site is `make_variant_site`'s."""

from __future__ import annotations

from typing import Any

import orjson

from tests.api.test_delivery_variants import (
    BLUE,
    G1,
    G2,
    GREEN,
    RED,
    YELLOW,
    VariantSite,
    fresh,
    group,
    vsite,
)
from tests.conftest import MAIN_BRANCH

__all__ = ["fresh", "vsite"]  # the fixtures, shared


def preview(
    site: VariantSite, header: str, headers: dict[str, str] | None = None, **params: Any
) -> dict[str, Any]:
    response = site.api.get(
        site.path(),
        params={"variant_preview": "true", **params},
        headers={"x-cs-variant-uid": header, **(headers or {})},
    )
    assert response.status_code == 200, response.text
    return dict(response.json()["entry"])


def test_preview_of_published_variants_is_what_delivery_serves(vsite: VariantSite) -> None:
    header = f"{BLUE}, {GREEN}, {RED}"
    served = vsite.variant(header, include_applied_variants="true", include_variant_explain="true")
    seen = preview(vsite, header, include_applied_variants="true", include_variant_explain="true")
    assert seen["title"] == served["title"] == "Blue"
    assert seen["group"] == served["group"]
    assert seen["_applied_variants"] == served["_applied_variants"]
    assert seen["_variant_explain"] == served["_variant_explain"]
    assert [layer["uid"] for layer in seen["_variant_preview"]] == [BLUE, GREEN, RED]


def test_an_unpublished_variant_and_unsaved_edits_preview(fresh: VariantSite) -> None:
    """Yellow was never published; Red's new draft is saved, not published: the preview shows
    both, delivery neither."""
    uid = fresh.home["uid"]
    fresh.put_variant(uid, RED, {"url": "/red-draft"})
    fresh.update("landing", uid, views=7)  # the base's latest draft too
    seen = preview(fresh, f"{YELLOW}, {RED}", include_variant_explain="true")
    assert (seen["title"], seen["url"], seen["views"]) == ("Yellow", "/red-draft", 7)
    assert seen["_variant_explain"]["variants"] == [
        {"name": YELLOW, "uid": YELLOW, "status": "applied"},
        {"name": RED, "uid": RED, "status": "applied"},
    ]
    assert seen["_variant_explain"]["paths"]["title"] == {"source": YELLOW, "lost": [RED]}
    served = fresh.variant(f"{YELLOW}, {RED}")
    assert (served["title"], served["url"], served["views"]) == ("Red", "/home", 0)


def test_fates_in_a_preview(vsite: VariantSite) -> None:
    """A variant with no entry variant in the locale is `not_saved`; unknown and beyond the limit
    as on delivery. In fr-fr only Red is saved ("Rouge")."""
    seen = preview(
        vsite, f"ghost, {GREEN}, {RED}, {BLUE}", locale="fr-fr", include_variant_explain="true"
    )
    assert seen["title"] == "Rouge"
    assert [(v["name"], v["status"]) for v in seen["_variant_explain"]["variants"]] == [
        ("ghost", "unknown"),
        (GREEN, "not_saved"),
        (RED, "applied"),
        (BLUE, "beyond_limit"),
    ]


def test_a_management_token_previews(vsite: VariantSite) -> None:
    scope = [{"module": "content_type", "acl": {"read": True}}, MAIN_BRANCH]
    made = vsite.api.ok(
        vsite.api.post("/stacks/management_tokens", {"token": {"name": "p", "scope": scope}}), 201
    )["token"]
    response = vsite.api.client.get(
        "/v3" + vsite.path(),
        params={"variant_preview": "true"},
        headers={
            "api_key": vsite.api_key,
            "authorization": made["token"],
            "x-cs-variant-uid": GREEN,
        },
    )
    assert response.status_code == 200, response.text
    assert group(response.json()["entry"])[0] == (G1, "Green 1", "Base 1 Multi")


def test_without_variant_preview_the_read_is_unchanged(vsite: VariantSite) -> None:
    """The header alone is ignored on management reads, as before: byte-identical answers."""
    plain = vsite.api.get(vsite.path())
    with_header = vsite.api.get(vsite.path(), headers={"x-cs-variant-uid": f"{RED}, {G2}"})
    assert with_header.content == plain.content
    assert "_variant_preview" not in orjson.loads(plain.content)["entry"]
    assert preview(vsite, " , ")["title"] == orjson.loads(plain.content)["entry"]["title"]


def test_a_one_variant_management_read_explains_too(vsite: VariantSite) -> None:
    """`include_variant=true` (the SDKs' merged read) with `include_variant_explain=true`."""

    def read(variant: str, **params: str) -> dict[str, Any]:
        response = vsite.api.get(
            vsite.path(),
            params={"include_variant": "true", "include_variant_explain": "true", **params},
            headers={"x-cs-variant-uid": variant},
        )
        assert response.status_code == 200, response.text
        return dict(response.json()["entry"])

    red = read(RED)
    assert red["title"] == "Red" and red["_variant"]["_uid"] == RED
    assert red["_variant_explain"]["paths"]["title"] == {"source": RED, "lost": []}
    assert red["_variant_explain"]["variants"] == [{"name": RED, "uid": RED, "status": "applied"}]
    green = read(GREEN, locale="fr-fr")
    assert green["_variant_explain"] == {
        "paths": {},
        "variants": [{"name": GREEN, "uid": GREEN, "status": "not_saved"}],
    }
