"""The override map (issue 16 §3), on both databases: `include_variant_overrides=true` on a
management read of a base entry adds `{path: [variant uids]}` for the entry's variants in the
read's locale, at a cost that does not grow with the stack. The site is `make_variant_site`'s."""

from __future__ import annotations

from typing import Any

from tests.api.test_delivery_variants import (
    BLUE,
    G1,
    G2,
    GREEN,
    RED,
    SEED,
    YELLOW,
    VariantSite,
    vsite,
)
from tests.api.test_scale_costs import ENTRIES, Stack, same_cost_at_n_and_4n
from tests.conftest import Api
from veneer.domain.variants import override_map
from veneer.services.context import Services

__all__ = ["vsite"]  # the fixture, shared


def overrides(site: VariantSite, **params: Any) -> dict[str, list[str]]:
    response = site.api.get(site.path(), params={"include_variant_overrides": "true", **params})
    assert response.status_code == 200, response.text
    return dict(response.json()["entry"]["_variant_overrides"])


def test_each_overridden_path_names_its_variants(vsite: VariantSite) -> None:
    """Variants in uid order (SEED's uid sorts first); order paths count as overrides."""
    assert overrides(vsite) == {
        f"group.{G2}.single_line": [SEED, BLUE],
        f"group.{G2}.multi_line": [SEED, GREEN],
        f"group.{G1}.single_line": [SEED, RED, GREEN],
        f"group.{G1}.multi_line": [SEED],
        "title": [YELLOW, RED, GREEN, BLUE],
        "seo.meta_title": [RED, BLUE],
        "author": [RED],
        "url": [GREEN, BLUE],
        "seo.social.og_title": [GREEN],
        "group": [GREEN, BLUE],
    }


def test_in_another_locale_only_its_variants_count(vsite: VariantSite) -> None:
    assert overrides(vsite, locale="fr-fr") == {"title": [RED]}
    plain = vsite.api.get(
        vsite.path(vsite.plain["uid"]), params={"include_variant_overrides": "true"}
    )
    assert plain.json()["entry"]["_variant_overrides"] == {}


def test_without_the_parameter_the_read_is_unchanged(vsite: VariantSite) -> None:
    plain = vsite.api.get(vsite.path())
    off = vsite.api.get(vsite.path(), params={"include_variant_overrides": "false"})
    assert off.content == plain.content and "_variant_overrides" not in plain.json()["entry"]


def test_override_map_is_the_union_of_change_sets_and_orders() -> None:
    stored = [
        {
            "system": {"variant": "a"},
            "change_set": ["title", "g.x.t"],
            "order": [{"g": ["base.x"]}],
        },
        {"system": {"variant": "b"}, "change_set": ["title"], "order": []},
    ]
    assert override_map(stored) == {"title": ["a", "b"], "g.x.t": ["a"], "g": ["a"]}


def test_the_override_map_costs_the_same_at_n_and_4n(api: Api, services: Services) -> None:
    stack = Stack(api, services, variants=True)
    same_cost_at_n_and_4n(
        stack,
        {
            "override map": lambda uid: api.ok(
                api.get(f"{ENTRIES}/{uid}", params={"include_variant_overrides": "true"})
            ),
            "preview": lambda uid: api.ok(
                api.get(
                    f"{ENTRIES}/{uid}",
                    params={"variant_preview": "true", "include_variant_explain": "true"},
                    headers={"x-cs-variant-uid": "red, blue"},
                )
            ),
        },
    )
