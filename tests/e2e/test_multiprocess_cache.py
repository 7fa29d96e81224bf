"""Two real server processes on one database (and several workers in one of them): once a publish
or unpublish has been acknowledged by either, no process serves the document it replaced, nor a
merge of entry variants that included it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from tests.api.test_delivery import Site, make_site
from tests.api.test_delivery_variants import BLUE, GREEN, RED, VariantSite, make_variant_site
from tests.conftest import free_port, new_user, start_server, stop_server
from veneer.services.context import Services

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


class Node:
    """One server process, spoken to as a website (delivery) and as an editor (management)."""

    def __init__(self, base: str, site: Site) -> None:
        self.base = base
        self.http = httpx.Client(base_url=base + "/v3", timeout=10)
        self.site = site

    def on(self, site: Site) -> Node:
        """The same server, spoken to for another stack."""
        return Node(self.base, site)

    def read(
        self, path: str, headers: dict[str, str] | None = None, **params: Any
    ) -> httpx.Response:
        return self.http.get(
            path,
            params={"environment": "production", **params},
            headers={
                "api_key": self.site.api_key,
                "access_token": self.site.tokens["production"],
                **(headers or {}),
            },
        )

    def manage(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        response = self.http.request(
            method,
            path,
            json=body,
            headers={"authtoken": self.site.api.authtoken, "api_key": self.site.api_key},
        )
        assert response.status_code in {200, 201}, response.text
        return response.json()

    def publish(self, uid: str, *, unpublish: bool = False) -> None:
        action = "unpublish" if unpublish else "publish"
        self.manage(
            "POST",
            f"/content_types/page/entries/{uid}/{action}",
            {"entry": {"environments": ["production"], "locales": ["en-us"]}, "locale": "en-us"},
        )


@pytest.fixture(scope="module")
def site(services: Services, client: TestClient) -> Site:
    api = new_user(services, client)
    api.api_key = api.ok(
        api.post("/stacks", {"stack": {"name": "Multi", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    return make_site(api)


@pytest.fixture(scope="module")
def nodes(
    database_url: str, services: Services, site: Site, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Node, Node]]:
    logs: Path = tmp_path_factory.mktemp("multiprocess")
    ports = free_port(), free_port()
    one = start_server(database_url, ports[0], logs / "one.log")
    two = start_server(database_url, ports[1], logs / "two.log", VENEER_WORKERS="2")
    try:
        yield Node(f"http://127.0.0.1:{ports[0]}", site), Node(f"http://127.0.0.1:{ports[1]}", site)
    finally:
        stop_server(one)
        stop_server(two)


def title_everywhere(node: Node, uid: str, reads: int = 6) -> set[Any]:
    """The titles `node` serves for the entry, over several requests (so several workers answer),
    from the single-entry path, the list and a query."""
    seen = set()
    for _ in range(reads):
        single = node.read(f"/content_types/page/entries/{uid}")
        seen.add(
            single.json()["entry"]["title"] if single.status_code == 200 else single.status_code
        )
        listed = [
            e["title"]
            for e in node.read("/content_types/page/entries").json()["entries"]
            if e["uid"] == uid
        ]
        seen.add(listed[0] if listed else "absent")
        queried = node.read(
            "/content_types/page/entries", query=f'{{"views": {node.site.pages[1]["views"]}}}'
        )
        seen.add(queried.json()["entries"][0]["title"] if queried.json()["entries"] else "absent")
    return seen


def test_publish_through_one_read_through_the_other(nodes: tuple[Node, Node], site: Site) -> None:
    uid = site.pages[1]["uid"]
    for node in nodes:
        assert title_everywhere(node, uid) == {"Page 1"}  # every cache is warm
    for round_ in range(4):
        writer, reader = nodes if round_ % 2 == 0 else nodes[::-1]
        title = f"Round {round_}"
        writer.manage("PUT", f"/content_types/page/entries/{uid}", {"entry": {"title": title}})
        assert title_everywhere(reader, uid) == {"Page 1" if round_ == 0 else f"Round {round_ - 1}"}
        writer.publish(uid)
        assert title_everywhere(reader, uid) == {title}, f"round {round_}: stale read"
        assert title_everywhere(writer, uid) == {title}


def test_unpublish_through_one_never_served_by_the_other(
    nodes: tuple[Node, Node], site: Site
) -> None:
    uid = site.pages[2]["uid"]
    one, two = nodes
    for _ in range(3):
        for node in nodes:
            assert node.read(f"/content_types/page/entries/{uid}").status_code == 200
        one.publish(uid, unpublish=True)
        for _ in range(6):
            assert two.read(f"/content_types/page/entries/{uid}").status_code == 422
            assert uid not in {
                e["uid"] for e in two.read("/content_types/page/entries").json()["entries"]
            }
        two.publish(uid)
        for _ in range(6):
            assert one.read(f"/content_types/page/entries/{uid}").status_code == 200


def test_etag_changes_across_processes(nodes: tuple[Node, Node], site: Site) -> None:
    uid = site.pages[3]["uid"]
    one, two = nodes
    etag = two.read(f"/content_types/page/entries/{uid}").headers["etag"]
    assert (
        one.read(f"/content_types/page/entries/{uid}").headers["etag"] == etag
    )  # same bytes, same tag
    assert (
        two.http.get(
            f"/content_types/page/entries/{uid}",
            params={"environment": "production"},
            headers={
                "api_key": site.api_key,
                "access_token": site.tokens["production"],
                "if-none-match": etag,
            },
        ).status_code
        == 304
    )
    one.manage("PUT", f"/content_types/page/entries/{uid}", {"entry": {"title": "Changed"}})
    one.publish(uid)
    fresh = two.http.get(
        f"/content_types/page/entries/{uid}",
        params={"environment": "production"},
        headers={
            "api_key": site.api_key,
            "access_token": site.tokens["production"],
            "if-none-match": etag,
        },
    )
    assert fresh.status_code == 200 and fresh.json()["entry"]["title"] == "Changed"


@pytest.fixture(scope="module")
def vsite(services: Services, client: TestClient) -> VariantSite:
    api = new_user(services, client)
    api.api_key = api.ok(
        api.post("/stacks", {"stack": {"name": "Multi variants", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    return make_variant_site(api)


def merged_everywhere(node: Node, vsite: VariantSite, header: str, reads: int = 6) -> set[Any]:
    """(url, variants applied) as `node` serves the merged entry, alone and in the list."""
    seen = set()
    for _ in range(reads):
        single = node.read(
            f"/content_types/landing/entries/{vsite.home['uid']}", {"x-cs-variant-uid": header}
        )
        entry = single.json()["entry"]
        seen.add((entry["url"], tuple(entry["publish_details"]["variants"])))
        listed = node.read(
            "/content_types/landing/entries", {"x-cs-variant-uid": header}, asc="views"
        )
        first = listed.json()["entries"][0]
        seen.add((first["url"], tuple(first["publish_details"]["variants"])))
    return seen


def test_variant_unpublish_through_one_never_stale_on_the_other(
    nodes: tuple[Node, Node], vsite: VariantSite
) -> None:
    one, two = (node.on(vsite) for node in nodes)
    header, uid = f"{RED}, {GREEN}, {BLUE}", vsite.home["uid"]
    variants_body = {
        "environments": ["production"],
        "locales": ["en-us"],
        "variants": [{"uid": GREEN}],
    }
    for round_ in range(3):
        writer, reader = (one, two) if round_ % 2 == 0 else (two, one)
        for node in (one, two):
            assert merged_everywhere(node, vsite, header) == {
                (f"/green{round_ or ''}", (RED, GREEN, BLUE))
            }
        writer.manage(
            "POST",
            f"/content_types/landing/entries/{uid}/unpublish",
            {"entry": variants_body, "locale": "en-us"},
        )
        assert merged_everywhere(reader, vsite, header) == {("/blue", (RED, BLUE))}, (
            f"round {round_}: stale merge"
        )
        assert merged_everywhere(writer, vsite, header) == {("/blue", (RED, BLUE))}
        writer.manage(
            "PUT",
            f"/content_types/landing/entries/{uid}/variants/{GREEN}",
            {"entry": {"url": f"/green{round_ + 1}", "_variant": {}}},
        )
        writer.manage(
            "POST",
            f"/content_types/landing/entries/{uid}/publish",
            {"entry": variants_body, "locale": "en-us"},
        )
        assert merged_everywhere(reader, vsite, header) == {
            (f"/green{round_ + 1}", (RED, GREEN, BLUE))
        }
