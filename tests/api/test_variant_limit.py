"""The variant limit as a stack setting (issue 16 §7), on both databases: `POST /v3/stacks/settings`
takes `variant_limit` (a whole number from 0 to 25); delivery, management previews and the explain
output apply it at once; `null` gives the server's default back. A stack that never set it answers
its settings as before. The site is `make_variant_site`'s (tests/api/test_delivery_variants.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_delivery import assert_error
from tests.api.test_delivery_variants import BLUE, GREEN, RED, SEED, VariantSite, fresh
from veneer.domain import delivery_settings

__all__ = ["fresh"]  # the fixture, shared

HEADER = f"{BLUE}, {GREEN}, {RED}, {SEED}"


def set_limit(site: VariantSite, limit: int | None) -> dict[str, Any]:
    body = site.api.ok(
        site.api.post("/stacks/settings", {"stack_settings": {"variant_limit": limit}})
    )
    assert body["notice"] == "Stack settings updated successfully."
    return dict(body["stack_settings"])


def applied(site: VariantSite, header: str = HEADER) -> list[str]:
    return list(site.variant(header)["publish_details"]["variants"])


def test_the_setting_is_applied_by_delivery_at_once(fresh: VariantSite) -> None:
    assert applied(fresh) == [BLUE, GREEN, RED]  # the server's default, 3 (now cached)
    assert set_limit(fresh, 1)["variant_limit"] == 1
    assert fresh.api.ok(fresh.api.get("/stacks/settings"))["stack_settings"]["variant_limit"] == 1
    body = fresh.ok(fresh.path(), headers={"x-cs-variant-uid": HEADER}, show_errors="true")
    assert list(body["entry"]["publish_details"]["variants"]) == [BLUE]
    assert body["errors"][0]["details"] == {"provided_count": 4, "limit": 1, "applied_count": 1}
    set_limit(fresh, 4)
    assert applied(fresh) == [BLUE, GREEN, RED, SEED]


def test_zero_applies_no_variant(fresh: VariantSite) -> None:
    set_limit(fresh, 0)
    entry = fresh.variant(RED)
    assert entry["title"] == "Testhghghhgh" and entry["publish_details"]["variants"] == {}


def test_explain_and_preview_follow_the_setting(fresh: VariantSite) -> None:
    set_limit(fresh, 2)
    fates = fresh.variant(f"{RED}, {GREEN}, {BLUE}", include_variant_explain="true")[
        "_variant_explain"
    ]["variants"]
    assert [f["status"] for f in fates] == ["applied", "applied", "beyond_limit"]
    previewed = fresh.api.ok(
        fresh.api.get(
            fresh.path(),
            params={"variant_preview": "true"},
            headers={"x-cs-variant-uid": f"{BLUE}, {GREEN}, {RED}"},
        )
    )["entry"]
    assert [layer["uid"] for layer in previewed["_variant_preview"]] == [BLUE, GREEN]


def test_null_gives_the_default_back_and_the_key_is_gone(fresh: VariantSite) -> None:
    set_limit(fresh, 1)
    assert applied(fresh) == [BLUE]
    assert "variant_limit" not in set_limit(fresh, None)
    assert "variant_limit" not in fresh.api.ok(fresh.api.get("/stacks/settings"))["stack_settings"]
    assert applied(fresh) == [BLUE, GREEN, RED]


def test_a_stack_that_never_set_it_answers_as_before(fresh: VariantSite) -> None:
    settings = fresh.api.ok(fresh.api.get("/stacks/settings"))["stack_settings"]
    assert settings == {
        "stack_variables": {},
        "live_preview": {},
        "discrete_variables": {},
        "language_fallback": False,
        "rte": {},
    }


@pytest.mark.parametrize(
    "bad", [-1, delivery_settings.VARIANT_LIMIT_MAX + 1, 2.5, 2.0, "2", True, [3], {"n": 3}]
)
def test_a_bad_limit_is_a_422_and_nothing_changes(fresh: VariantSite, bad: Any) -> None:
    set_limit(fresh, 2)
    refused = fresh.api.post("/stacks/settings", {"stack_settings": {"variant_limit": bad}})
    body = assert_error(refused, 422)
    assert body["errors"] == {
        "variant_limit": [
            f"must be a whole number from 0 to {delivery_settings.VARIANT_LIMIT_MAX}."
        ]
    }
    assert fresh.api.ok(fresh.api.get("/stacks/settings"))["stack_settings"]["variant_limit"] == 2
    assert applied(fresh) == [BLUE, GREEN]


def test_the_highest_limit_is_accepted(fresh: VariantSite) -> None:
    top = delivery_settings.VARIANT_LIMIT_MAX
    assert set_limit(fresh, top)["variant_limit"] == top
    assert applied(fresh) == [BLUE, GREEN, RED, SEED]
