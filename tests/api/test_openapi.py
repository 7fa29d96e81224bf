"""The OpenAPI description (`veneer.api.openapi`) against the router: the same paths and methods,
both ways, for both node roles; plus the shape every operation must have."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest
from schemathesis.specs.openapi.definitions import OPENAPI_31
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

from veneer.api.openapi import document
from veneer.api.routes import routes

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
ROLES = ["all", "delivery"]


def served(items: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(path, method) for every route, mounts flattened. Starlette answers HEAD wherever it answers
    GET by itself; the description lists that as GET (as HTTP does), so HEAD is dropped only then."""
    for item in items:
        if isinstance(item, Route):
            methods = set(item.methods or ())
            if "GET" in methods:
                methods.discard("HEAD")
            yield from ((prefix + item.path, m.lower()) for m in methods)
        elif isinstance(item, Mount) and isinstance(item.app, StaticFiles):
            yield prefix + item.path + "/{path}", "get"
        elif isinstance(item, Mount) and item.routes:
            yield from served(list(item.routes), prefix + item.path)
        else:
            raise AssertionError(f"describe this kind of route in veneer.api.openapi: {item!r}")


def described(doc: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for path, item in doc["paths"].items():
        yield from ((path, method) for method in item if method in METHODS)


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        yield from ((path, method, op) for method, op in item.items())


@pytest.mark.parametrize("role", ROLES)
def test_document_and_router_agree(role: str) -> None:
    router, doc = set(served(routes(role))), set(described(document(role)))
    assert sorted(router - doc) == [], "served but not described"
    assert sorted(doc - router) == [], "described but not served"


@pytest.mark.parametrize("role", ROLES)
def test_document_is_valid_openapi_31(role: str) -> None:
    errors = [
        f"{e.instance_path}: {e.message}"
        for e in jsonschema_rs.Draft202012Validator(OPENAPI_31).iter_errors(document(role))
    ]
    assert errors == []


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        section, name = node["$ref"].split("/")[-2:]
        node = doc["components"][section][name]
    return node


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_is_complete(role: str) -> None:
    doc = document(role)
    ids = [op["operationId"] for _, _, op in operations(doc)]
    assert len(ids) == len(set(ids))
    for path, method, op in operations(doc):
        where = f"{method.upper()} {path}"
        assert op["summary"] and op["tags"], where
        statuses = set(op["responses"])
        assert any(s.startswith(("2", "3")) for s in statuses), where
        names = {p["name"] for p in op["parameters"] if p.get("in") == "path"}
        assert names == {seg[1:-1] for seg in path.split("/") if seg.startswith("{")}, where
        if not path.startswith("/app/"):
            for status in (s for s in statuses if s.startswith("4")):
                content = _resolve(doc, op["responses"][status])["content"]
                assert content["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }, where
        if op["security"] and path.startswith("/v3/"):
            assert "401" in statuses, where


def test_stack_scoped_operations_answer_412_and_429() -> None:
    doc = document("all")
    for path, method, op in operations(doc):
        refs = {p.get("$ref", "").rsplit("/", 1)[-1] for p in op["parameters"]}
        if "api_key" in refs and "delivery_token" not in str(op["security"]):
            assert {"412", "429"} <= set(op["responses"]), f"{method.upper()} {path}"


def test_variant_header_and_parameters_are_described() -> None:
    doc = document("all")
    entry = doc["paths"]["/v3/content_types/{ct}/entries/{uid}"]["get"]
    names = {_resolve(doc, p)["name"] for p in entry["parameters"]}
    assert {
        "x-cs-variant-uid",
        "include_applied_variants",
        "show_errors",
        "environment",
        "api_key",
    } <= names
    schemes = doc["components"]["securitySchemes"]
    assert {(s["in"], s["name"]) for s in schemes.values()} == {
        ("header", "authtoken"),
        ("header", "authorization"),
        ("header", "access_token"),
        ("cookie", "veneer_session"),
    }


def test_served_at_a_system_path(client: TestClient) -> None:
    response = client.get("/-/openapi.json")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.json() == document("all")
