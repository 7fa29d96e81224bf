"""`include_variant_explain=true` on delivery reads naming variants (issue 16 §1), on both
databases: for every path a named variant changed, the source served and the variants that lost
it; for every name of the header, its fate. Opt-in: without it the answer is unchanged, byte for
byte. The site is `make_variant_site`'s (see tests/api/test_delivery_variants.py)."""

from __future__ import annotations

from typing import Any

import orjson

from tests.api.test_delivery_variants import (
    BLUE,
    G1,
    G2,
    GREEN,
    RED,
    SEED,
    YELLOW,
    VariantSite,
    fresh,
    vsite,
)
from tests.api.test_openapi import _resolve
from veneer.api.openapi import document

__all__ = ["fresh", "vsite"]  # the fixtures, shared


def explain(site: VariantSite, header: str, **kw: Any) -> dict[str, Any]:
    entry = site.variant(header, include_variant_explain="true", **kw)
    return dict(entry["_variant_explain"])


def test_every_changed_path_names_its_source_and_the_losers(vsite: VariantSite) -> None:
    paths = explain(vsite, f"{RED}, {GREEN}, {BLUE}")["paths"]
    assert paths == {
        "title": {"source": RED, "lost": [GREEN, BLUE]},
        "seo.meta_title": {"source": RED, "lost": [BLUE]},
        "author": {"source": RED, "lost": []},
        f"group.{G1}.single_line": {"source": RED, "lost": [GREEN]},
        "url": {"source": GREEN, "lost": [BLUE]},
        "seo.social.og_title": {"source": GREEN, "lost": []},
        f"group.{G2}.multi_line": {"source": GREEN, "lost": []},
        f"group.{G2}.single_line": {"source": BLUE, "lost": []},
        "group": {"source": GREEN, "lost": [BLUE]},
    }


def test_a_path_in_an_instance_an_order_removed_is_the_bases(vsite: VariantSite) -> None:
    """Blue first: its order drops G1, so Green's and Red's changes there are not served."""
    paths = explain(vsite, f"{BLUE}, {GREEN}, {RED}")["paths"]
    assert paths[f"group.{G1}.single_line"] == {
        "source": "base",
        "lost": [GREEN, RED],
        "removed_by": BLUE,
    }
    assert paths["group"] == {"source": BLUE, "lost": [GREEN]}


def test_the_explanation_agrees_with_applied_variants(vsite: VariantSite) -> None:
    entry = vsite.variant(
        f"{BLUE}, {GREEN}, {RED}", include_variant_explain="true", include_applied_variants="true"
    )
    served = {
        path: why["source"]
        for path, why in entry["_variant_explain"]["paths"].items()
        if why["source"] != "base"
    }
    assert served == entry["_applied_variants"]


def test_every_name_has_a_fate(vsite: VariantSite) -> None:
    """Unknown, not published here, applied, and past the limit (3 by default)."""
    names = explain(vsite, f"ghost, {YELLOW}, cs_personalize_0_2, {RED}")["variants"]
    assert names == [
        {"name": "ghost", "uid": None, "status": "unknown"},
        {"name": YELLOW, "uid": YELLOW, "status": "not_published"},
        {"name": "cs_personalize_0_2", "uid": BLUE, "status": "applied"},
        {"name": RED, "status": "beyond_limit"},
    ]
    # Published to production only: in staging only Blue is.
    staging = explain(vsite, f"{RED}, {BLUE}", env="staging")["variants"]
    assert [n["status"] for n in staging] == ["not_published", "applied"]


def test_a_variant_that_loses_every_path(fresh: VariantSite) -> None:
    fresh.publish_variants(fresh.home["uid"], [YELLOW])  # Yellow changes only the title
    why = explain(fresh, f"{RED}, {YELLOW}")
    assert why["variants"][1] == {"name": YELLOW, "uid": YELLOW, "status": "lost"}
    assert why["paths"]["title"] == {"source": RED, "lost": [YELLOW]}


def test_lists_carry_it_per_entry(vsite: VariantSite) -> None:
    entries = vsite.listed(RED, include_variant_explain="true", asc="views")["entries"]
    by_title = {e["title"]: e["_variant_explain"] for e in entries}
    assert by_title["Red other 1"]["paths"] == {"title": {"source": RED, "lost": []}}
    assert by_title["Plain"] == {
        "paths": {},
        "variants": [{"name": RED, "uid": RED, "status": "not_published"}],
    }


def test_without_the_parameter_the_answer_is_byte_identical(vsite: VariantSite) -> None:
    """The explained answer minus `_variant_explain` is the plain answer, byte for byte; so are
    `include_variant_explain=false` and a base read that asks for it."""
    header = {"x-cs-variant-uid": f"{SEED}, {GREEN}"}
    plain = vsite.get(vsite.path(), headers=header)
    explained = vsite.get(vsite.path(), headers=header, include_variant_explain="true")
    body = explained.json()
    assert "_variant_explain" not in plain.json()["entry"]
    del body["entry"]["_variant_explain"]
    assert orjson.dumps(body) == plain.content
    off = vsite.get(vsite.path(), headers=header, include_variant_explain="false")
    assert off.content == plain.content
    base = vsite.get(vsite.path()).content
    assert vsite.get(vsite.path(), include_variant_explain="true").content == base


def test_the_new_parameters_and_route_are_described() -> None:
    doc = document("all")
    entry = doc["paths"]["/v3/content_types/{ct}/entries/{uid}"]["get"]
    names = {_resolve(doc, p)["name"] for p in entry["parameters"]}
    assert {"include_variant_explain", "variant_preview", "include_variant_overrides"} <= names
    variant = "/v3/content_types/{ct}/entries/{uid}/variants/{variant}"
    read = {_resolve(doc, p)["name"] for p in doc["paths"][variant]["get"]["parameters"]}
    assert "include_stale" in read and "post" in doc["paths"][variant + "/rebase"]
