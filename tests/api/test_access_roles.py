"""Management-token scopes (each module's read/write ACL) and organization roles
(owner/admin/member), as docs/behaviour.md's matrix states them; and removing a member (issue 12,
findings 8 and 11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.test_variant_publishing import body, pub  # noqa: F401 (a fixture)
from tests.api.test_variants_api import BASE, CT
from tests.conftest import MAIN_BRANCH, PASSWORD, Api
from veneer import ids
from veneer.services import publishing, users
from veneer.services.access import token_acl
from veneer.services.context import Services

ERROR_KEYS = {"error_message", "error_code", "errors"}
RW = {"read": True, "write": True}
RO = {"read": True, "write": False}


def token(api: Api, scope: list[dict[str, Any]]) -> dict[str, str]:
    """A management token of `scope`, with the `main` branch unless the scope names a branch."""
    if not any(item.get("module") == "branch" for item in scope):
        scope = [*scope, MAIN_BRANCH]
    made = api.ok(
        api.post("/stacks/management_tokens", {"token": {"name": "t", "scope": scope}}), 201
    )
    return {"api_key": api.api_key, "authorization": made["token"]["token"]}


def call(api: Api, headers: dict[str, str], method: str, path: str, json: Any = None) -> int:
    response = api.client.request(method, "/v3" + path, json=json, headers=headers)
    if response.status_code >= 400:
        assert set(response.json()) == ERROR_KEYS, response.text
    return response.status_code


@pytest.fixture
def stack(api: Api) -> Api:
    api.ok(api.post("/content_types", CT), 201)
    api.ok(api.post("/content_types/landing/entries", {"entry": BASE}), 201)
    return api


# -- finding 8: the scope's modules ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("scope", "reads", "writes"),
    [
        ([{"module": "content_type", "acl": RW}], {"all"}, {"all"}),
        ([{"module": "content_type", "acl": RO}], {"all"}, set()),
        # the token: read-only content types plus a writable branch writes nothing
        (
            [
                {"module": "content_type", "acl": RO},
                {"module": "branch", "branches": ["main"], "acl": RW},
            ],
            {"all"},
            set(),
        ),
        # Contentstack's documented example: content types read + write, branch read: read-write
        (
            [
                {"module": "content_type", "acl": RW},
                {"module": "branch", "branches": ["main"], "acl": RO},
            ],
            {"all"},
            {"all"},
        ),
        # a branch that is not Veneer's reaches nothing
        (
            [
                {"module": "content_type", "acl": RW},
                {"module": "branch", "branches": ["development"], "acl": RW},
            ],
            set(),
            set(),
        ),
        # a module named on its own keeps its own ACL
        (
            [{"module": "content_type", "acl": RW}, {"module": "entry", "acl": RO}],
            {"all"},
            {"all"} ^ {"entry"},
        ),
        ([{"module": "branch", "branches": ["main"], "acl": RW}], set(), set()),
        ([{"module": "locale", "acl": RW}], {"locale"}, {"locale"}),
    ],
)
def test_token_acl_per_module(
    scope: list[dict[str, Any]], reads: set[str], writes: set[str]
) -> None:
    modules = {
        "asset",
        "content_type",
        "entry",
        "environment",
        "extension",
        "global_field",
        "label",
        "locale",
        "taxonomy",
        "variant_group",
        "webhook",
    }

    def expand(names: set[str]) -> set[str]:
        return (
            modules - {"entry"}
            if names == {"all"} ^ {"entry"}
            else modules
            if "all" in names
            else names
        )

    got_reads, got_writes = token_acl(scope)
    assert (set(got_reads), set(got_writes)) == (expand(reads), expand(writes))


def test_read_only_content_types_with_writable_branch_cannot_write(stack: Api) -> None:
    """The issue's probe: such a token renamed the stack and edited entries."""
    headers = token(
        stack,
        [
            {"module": "content_type", "acl": RO},
            {"module": "branch", "branches": ["main"], "acl": RW},
        ],
    )
    assert call(stack, headers, "GET", "/content_types/landing/entries") == 200
    assert call(stack, headers, "GET", "/stacks") == 200
    for method, path, json in [
        ("PUT", "/stacks", {"stack": {"name": "renamed"}}),
        ("DELETE", "/stacks", None),
        ("POST", "/content_types/landing/entries", {"entry": {"title": "new"}}),
        ("PUT", "/content_types/landing", CT),
        ("POST", "/environments", {"environment": {"name": "staging"}}),
        ("POST", "/locales", {"locale": {"code": "fr-fr"}}),
        ("POST", "/variant_groups", {"uid": "g", "name": "G"}),
    ]:
        assert call(stack, headers, method, path, json) == 403, (method, path)
    assert stack.ok(stack.get("/stacks"))["stack"]["name"] == "Test stack"
    entries = stack.ok(stack.get("/content_types/landing/entries"))["entries"]
    assert [e["title"] for e in entries] == ["base"]


def test_entry_module_read_only_token(stack: Api) -> None:
    headers = token(stack, [{"module": "content_type", "acl": RW}, {"module": "entry", "acl": RO}])
    assert (
        call(stack, headers, "POST", "/environments", {"environment": {"name": "staging"}}) == 201
    )
    assert call(stack, headers, "GET", "/content_types/landing/entries") == 200
    assert (
        call(stack, headers, "POST", "/content_types/landing/entries", {"entry": {"title": "n"}})
        == 403
    )


def test_token_of_another_branch_reads_nothing(stack: Api) -> None:
    headers = token(
        stack,
        [
            {"module": "content_type", "acl": RW},
            {"module": "branch", "branches": ["development"], "acl": RW},
        ],
    )
    assert call(stack, headers, "GET", "/content_types/landing/entries") == 403
    assert call(stack, headers, "GET", "/content_types") == 403


def test_full_token_still_works_but_never_on_the_stack_itself(stack: Api) -> None:
    headers = token(
        stack,
        [
            {"module": "content_type", "acl": RW},
            {"module": "branch", "branches": ["main"], "acl": RW},
        ],
    )
    assert (
        call(stack, headers, "POST", "/content_types/landing/entries", {"entry": {"title": "n"}})
        == 201
    )
    assert call(stack, headers, "PUT", "/stacks", {"stack": {"name": "renamed"}}) == 403


@pytest.mark.parametrize(
    "item",
    [
        {"acl": RW},
        {"module": "content_type"},
        {"module": "content_type", "acl": {"read": "true"}},
        {"module": "branch", "branches": "main", "acl": RW},
    ],
)
def test_a_scope_that_cannot_be_read_is_refused(stack: Api, item: dict[str, Any]) -> None:
    response = stack.post("/stacks/management_tokens", {"token": {"name": "t", "scope": [item]}})
    assert response.status_code == 422 and list(response.json()["errors"]) == ["scope.0"]


NO_BRANCH = {"scope.branch_or_alias": ["is a required field."]}


@pytest.mark.parametrize(
    ("kind", "scope", "errors"),
    [
        # the JS management SDK suite's bodies: Contentstack refuses both on a stack with branches
        ("delivery", [{"module": "environment", "environments": [], "acl": {"read": True}}], None),
        ("management", [{"module": "content_type", "acl": {"read": True, "write": False}}], None),
        ("management", [], None),
        (
            "management",
            [
                {"module": "content_type", "acl": RW},
                {"module": "branch_alias", "branch_aliases": ["live"], "acl": {"read": True}},
            ],
            {
                "scope.branch_or_alias": [
                    "Veneer stacks have no branch aliases: name the branch main."
                ]
            },
        ),
    ],
)
def test_a_token_scope_must_name_a_branch(
    stack: Api, kind: str, scope: list[dict[str, Any]], errors: dict[str, list[str]] | None
) -> None:
    stack.ok(stack.post("/environments", {"environment": {"name": "production"}}), 201)
    response = stack.post(f"/stacks/{kind}_tokens", {"token": {"name": "t", "scope": scope}})
    body = response.json()
    label = "Delivery Token" if kind == "delivery" else "Management Token"
    assert (response.status_code, body["error_code"], body["error_message"], body["errors"]) == (
        422,
        141,
        f"{label} creation failed. Please try again.",
        errors or NO_BRANCH,
    )
    assert stack.ok(stack.get(f"/stacks/{kind}_tokens"))["tokens"] == []


def test_a_token_update_keeps_a_branch_in_its_scope(stack: Api) -> None:
    made = stack.ok(
        stack.post(
            "/stacks/management_tokens",
            {"token": {"name": "t", "scope": [{"module": "content_type", "acl": RW}, MAIN_BRANCH]}},
        ),
        201,
    )["token"]
    response = stack.put(
        f"/stacks/management_tokens/{made['uid']}",
        {"token": {"scope": [{"module": "content_type", "acl": RO}]}},
    )
    body = response.json()
    assert (response.status_code, body["error_message"], body["errors"]) == (
        422,
        "Management Token update failed. Please try again.",
        NO_BRANCH,
    )
    read = stack.ok(stack.get(f"/stacks/management_tokens/{made['uid']}"))["token"]
    assert read["scope"] == [{"module": "content_type", "acl": RW}, MAIN_BRANCH]


def test_a_token_stored_without_a_branch_is_read_with_main(stack: Api, services: Services) -> None:
    """Tokens made before a branch was required reach every branch (token_acl reads no branch
    item so): their reads name `main`, and the token keeps working as it did."""
    stack.ok(stack.post("/environments", {"environment": {"name": "production"}}), 201)
    production = {"module": "environment", "environments": ["production"], "acl": {"read": True}}
    made = {
        kind: stack.ok(
            stack.post(f"/stacks/{kind}_tokens", {"token": {"name": kind, "scope": scope}}), 201
        )["token"]
        for kind, scope in (
            ("delivery", [production, MAIN_BRANCH]),
            ("management", [{"module": "content_type", "acl": RW}, MAIN_BRANCH]),
        )
    }
    with services.store.write() as tx:
        for kind, token in made.items():
            row = tx.tokens.get(stack.api_key, kind, token["uid"])
            assert row is not None
            legacy = [s for s in row["doc"]["scope"] if s.get("module") != "branch"]
            tx.tokens.update(token["uid"], {**row["doc"], "scope": legacy}, row["updated_at"])
    for kind in made:
        listed = stack.ok(stack.get(f"/stacks/{kind}_tokens"))["tokens"]
        assert [s["module"] for s in listed[0]["scope"]] == [
            "environment" if kind == "delivery" else "content_type",
            "branch",
        ]
        assert listed[0]["scope"][-1] == MAIN_BRANCH
    headers = {"api_key": stack.api_key, "authorization": made["management"]["token"]}
    assert call(stack, headers, "GET", "/content_types/landing/entries") == 200


# -- finding 8: organization roles ----------------------------------------------------------------
def org_of(api: Api) -> str:
    return str(api.ok(api.get("/organizations"))["organizations"][0]["uid"])


def join(services: Services, client: TestClient, owner: Api, role: str = "member") -> Api:
    """A new account added to `owner`'s organization with `role`, logged in, on owner's stack."""
    email = f"{role}-{ids.token()[:10].lower()}@example.com"
    users.create_user(services, email, PASSWORD)
    owner.ok(
        owner.post(f"/organizations/{org_of(owner)}/share", {"share": {"users": {email: [role]}}})
    )
    joined = Api(client, email)
    session = client.post("/v3/user-session", json={"user": {"email": email, "password": PASSWORD}})
    joined.authtoken = joined.ok(session)["user"]["authtoken"]
    joined.api_key = owner.api_key
    return joined


def test_member_cannot_delete_or_rename_the_owners_stack(
    stack: Api, services: Services, client: TestClient
) -> None:
    member = join(services, client, stack)
    assert member.ok(member.get("/content_types/landing/entries"))["entries"]
    member.ok(member.post("/content_types/landing/entries", {"entry": {"title": "by member"}}), 201)
    for response in (
        member.delete("/stacks"),
        member.put("/stacks", {"stack": {"name": "mine now"}}),
        member.post("/stacks/management_tokens", {"token": {"name": "t", "scope": [MAIN_BRANCH]}}),
        member.post(
            f"/organizations/{org_of(stack)}/share", {"share": {"users": {"x@y.z": ["admin"]}}}
        ),
    ):
        assert response.status_code == 403 and set(response.json()) == ERROR_KEYS, response.text
    assert stack.ok(stack.get("/stacks"))["stack"]["name"] == "Test stack"
    own = member.ok(
        member.post(
            "/stacks",
            {"stack": {"name": "member's own"}},
            headers={"organization_uid": org_of(stack)},
        ),
        201,
    )["stack"]
    member.ok(member.delete("/stacks", headers={"api_key": own["api_key"]}))


def test_admin_manages_stacks_but_not_the_owner(
    stack: Api, services: Services, client: TestClient
) -> None:
    admin = join(services, client, stack, "admin")
    admin.ok(admin.put("/stacks", {"stack": {"name": "by admin"}}))
    owner_email = stack.email
    refused = admin.delete(f"/organizations/{org_of(stack)}/share", json={"emails": [owner_email]})
    assert refused.status_code == 403 and set(refused.json()) == ERROR_KEYS
    promote = admin.post(
        f"/organizations/{org_of(stack)}/share", {"share": {"users": {"a@b.example": ["admin"]}}}
    )
    assert promote.status_code == 422  # only the owner makes admins
    admin.ok(admin.delete("/stacks"))


# -- finding 11: removing a member ----------------------------------------------------------------
def test_removed_member_loses_access_tokens_and_schedules(
    api: Api,
    pub: dict[str, Any],  # noqa: F811
    services: Services,
    client: TestClient,
) -> None:
    member = join(services, client, api, "admin")
    mtoken = token(member, [{"module": "content_type", "acl": RW}])
    dtoken = member.ok(
        member.post(
            "/stacks/delivery_tokens",
            {
                "token": {
                    "name": "d",
                    "scope": [
                        {"module": "environment", "environments": ["production"]},
                        MAIN_BRANCH,
                    ],
                }
            },
        ),
        201,
    )["token"]["token"]
    owners = token(api, [{"module": "content_type", "acl": RW}])
    later = ids.format_time(datetime.now(UTC) + timedelta(hours=1))
    member.ok(member.post(pub["path"] + "/publish", body([{"uid": "red"}], scheduled_at=later)))
    api.ok(api.post(pub["path"] + "/publish", body([{"uid": "blue"}], scheduled_at=later)))
    assert publishing.pending_jobs(services, api.api_key) == 2
    assert call(api, mtoken, "GET", "/content_types") == 200

    api.ok(api.delete(f"/organizations/{org_of(api)}/share", json={"emails": [member.email]}))

    assert member.get("/content_types").status_code == 412
    assert call(api, mtoken, "GET", "/content_types") == 401
    delivery = client.get(
        "/v3/content_types",
        headers={"api_key": api.api_key, "access_token": dtoken, "environment": "production"},
    )
    assert delivery.status_code == 401
    assert call(api, owners, "GET", "/content_types") == 200  # the owner's token is untouched
    assert publishing.pending_jobs(services, api.api_key) == 1  # only the owner's schedule is left
    publishing.run_due_jobs(services, now=ids.format_time(datetime.now(UTC) + timedelta(hours=2)))
    with services.store.read() as tx:
        assert tx.publications.details(api.api_key, pub["entry"], "red") == []
        assert len(tx.publications.details(api.api_key, pub["entry"], "blue")) == 1
    again = api.delete(f"/organizations/{org_of(api)}/share", json={"emails": [member.email]})
    assert again.status_code == 422 and set(again.json()) == ERROR_KEYS


def test_nobody_removes_the_owner(api: Api) -> None:
    response = api.delete(f"/organizations/{org_of(api)}/share", json={"emails": [api.email]})
    assert response.status_code == 403 and set(response.json()) == ERROR_KEYS
    assert api.get("/content_types").status_code == 200
