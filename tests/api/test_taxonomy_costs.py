"""No hidden O(n) in taxonomy queries (issue 14 §7, issue 11): a query by a term's descendants,
on one content type (management and delivery) and across content types (`/v3/taxonomies/entries`),
costs the database the same whether the type holds N entries with other terms or 4N; the
expansion is a few keyed reads of the terms table, the entries are found by index searches on
the term values (`tests/cost.py`)."""

from __future__ import annotations

import json
from typing import Any

from tests.api.test_core_flow import PAGE
from tests.api.test_delivery import Site
from tests.api.test_scale_costs import ENTRIES, TO_PRODUCTION, N, Stack, compare, copy_entry
from tests.api.test_taxonomies import COLOR, make_terms, taxonomy_field, terms
from tests.conftest import Api
from tests.cost import Cost, measure
from veneer.services.context import Services


def test_a_taxonomy_query_costs_the_same_at_n_and_4n(api: Api, services: Services) -> None:
    api.ok(api.post("/taxonomies", COLOR), 201)
    make_terms(api)
    Stack(api, services)  # the `page` type and the production environment
    schema = [*PAGE["content_type"]["schema"], taxonomy_field("color")]
    api.ok(api.put("/content_types/page", {"content_type": {"schema": schema}}))
    site = Site(api)
    site.tokens["production"] = site.token("production", ["production"])

    def entry(title: str, term: str) -> str:
        body = {"entry": {"title": title, "taxonomies": terms(term)}}
        uid: str = api.ok(api.post(ENTRIES, body), 201)["entry"]["uid"]
        api.ok(api.post(f"{ENTRIES}/{uid}/publish", TO_PRODUCTION))
        return uid

    filler = entry("filler", "blue")  # the entries the queries must not read: other terms
    costs: dict[str, list[Cost]] = {"management": [], "delivery": [], "across types": []}
    held = 1
    for size in (N, 4 * N):
        copy_entry(services, api.api_key, filler, size - held)
        held = size
        group, child = f"g{size}", f"c{size}"
        api.ok(api.post("/taxonomies/color/terms", {"term": {"uid": group, "name": group}}), 201)
        leaf = {"term": {"uid": child, "name": child, "parent_uid": group}}
        api.ok(api.post("/taxonomies/color/terms", leaf), 201)
        uids = sorted(entry(f"{child} {n}", child) for n in range(2))
        query = json.dumps({"taxonomies.color": {"$eq_below": group}})
        calls: dict[str, Any] = {
            "management": lambda q: api.ok(api.get(ENTRIES, params={"query": q, "asc": "uid"})),
            "delivery": lambda q: site.entries(query=q, asc="uid"),
            "across types": lambda q: site.ok("/taxonomies/entries", query=q, asc="uid"),
        }
        for name, call in calls.items():
            with measure(services.store, keys={"text"}) as cost:
                found = call(query)
            assert [e["uid"] for e in found["entries"]] == uids, name
            costs[name].append(cost)
    assert [
        problem for name, (small, large) in costs.items() for problem in compare(name, small, large)
    ] == []
