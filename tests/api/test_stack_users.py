"""A stack's users: share, unshare, roles, ownership transfer (services.collaborators), with the
bodies the management SDKs send (JS `stack.share(emails, roles)`, Python `share(data)`, …)."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from tests.api.test_variants_api import CT
from tests.conftest import MAIN_BRANCH, Api, new_user
from veneer import ids

ERROR_KEYS = {"error_message", "error_code", "errors"}


def _org(api: Api) -> str:
    return str(api.ok(api.get("/organizations"))["organizations"][0]["uid"])


def _role_uids(api: Api) -> dict[str, str]:
    return {r["name"]: r["uid"] for r in api.ok(api.get("/roles"))["roles"]}


def _as(user: Api, api_key: str) -> Api:
    user.api_key = api_key
    return user


def _member(api: Api, services: Any, client: Any, role: str = "member") -> Api:
    """Another account, made a member of `api`'s organization."""
    other = new_user(services, client)
    api.ok(
        api.post(f"/organizations/{_org(api)}/share", {"share": {"users": {other.email: [role]}}})
    )
    return _as(other, api.api_key)


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == ERROR_KEYS
    return body


def test_share_gives_an_outsider_this_stack_only(api: Api, services: Any, client: Any) -> None:
    api.ok(api.post("/content_types", CT), 201)
    sibling = api.ok(api.post("/stacks", {"stack": {"name": "Sibling"}}), 201)["stack"]["api_key"]
    outsider = _as(new_user(services, client), api.api_key)
    _error(outsider.get("/content_types"), 412)

    roles = _role_uids(api)
    shared = api.post(
        "/stacks/share",
        {"emails": [outsider.email], "roles": {outsider.email: [roles["Content Manager"]]}},
    )
    assert api.ok(shared) == {"notice": "The invitation has been sent successfully."}
    assert [c["uid"] for c in outsider.ok(outsider.get("/content_types"))["content_types"]] == [
        "landing"
    ]
    made = outsider.post(
        "/content_types/landing/entries", {"entry": {"title": "By a collaborator"}}
    )
    assert made.status_code == 201, made.text
    listed = outsider.ok(outsider.get("/stacks", headers={"api_key": ""}))["stacks"]
    assert [s["api_key"] for s in listed] == [api.api_key]
    _error(_as(outsider, sibling).get("/content_types"), 412)
    outsider.api_key = api.api_key

    users = {u["email"]: u for u in api.ok(api.get("/stacks/users"))["users"]}
    assert users[outsider.email]["roles"] == [roles["Content Manager"]]
    assert users[outsider.email]["is_owner"] is False
    assert users[api.email]["is_owner"] is True and users[api.email]["roles"] == [roles["Admin"]]
    collaborators = api.ok(api.get("/stacks?include_collaborators=true"))["stack"]["collaborators"]
    assert {c["email"] for c in collaborators} == {api.email, outsider.email}

    # A collaborator works on the content, but does not manage the stack (tokens, sharing).
    _error(outsider.post("/stacks/management_tokens", {"token": {"name": "t", "scope": []}}), 403)

    gone = api.post("/stacks/unshare", {"email": outsider.email})
    assert api.ok(gone) == {"notice": "The stack has been successfully unshared."}
    _error(outsider.get("/content_types"), 412)
    assert outsider.ok(outsider.get("/stacks", headers={"api_key": ""}))["stacks"] == []
    assert outsider.email not in {u["email"] for u in api.ok(api.get("/stacks/users"))["users"]}
    _error(api.post("/stacks/unshare", {"email": outsider.email}), 422)


def test_share_refuses_what_it_cannot_do(api: Api, services: Any, client: Any) -> None:
    outsider = new_user(services, client)
    for body in (
        {"emails": {"emails": [outsider.email], "roles": {}}, "roles": {}},  # JS SDK misuse
        {"emails": ["invalid-email"], "roles": {}},
        {"emails": [outsider.email], "roles": {outsider.email: ["bltnotarole"]}},
        {"emails": [api.email]},
        {},
    ):
        _error(api.post("/stacks/share", body), 422)
    member = _member(api, services, client)
    _error(api.post("/stacks/unshare", {"email": member.email}), 422)  # reaches it by its org
    # Only the stack's owner or the organization's owners and admins share, unshare, transfer.
    for path, body in (
        ("/stacks/share", {"emails": [outsider.email]}),
        ("/stacks/unshare", {"email": outsider.email}),
        ("/stacks/transfer_ownership", {"transfer_to": member.email}),
        ("/stacks/users/roles", {"users": {"bltanyone": []}}),
    ):
        _error(member.post(path, body), 403)
    assert outsider.get("/content_types", headers={"api_key": api.api_key}).status_code == 412


def test_collaborators_cannot_share_further(api: Api, services: Any, client: Any) -> None:
    outsider, third = new_user(services, client), new_user(services, client)
    api.ok(api.post("/stacks/share", {"emails": [outsider.email]}))
    _error(_as(outsider, api.api_key).post("/stacks/share", {"emails": [third.email]}), 403)
    developer = _role_uids(api)["Developer"]
    users = {u["email"]: u for u in api.ok(api.get("/stacks/users"))["users"]}
    assert users[outsider.email]["roles"] == [developer]  # the default role


@pytest.mark.parametrize("method", ["POST", "PUT"])  # the JS SDK posts, the Python SDK puts
def test_update_user_roles(api: Api, services: Any, client: Any, method: str) -> None:
    member = _member(api, services, client)
    uid = next(
        u["uid"] for u in api.ok(api.get("/stacks/users"))["users"] if u["email"] == member.email
    )
    roles = _role_uids(api)
    wanted = [roles["Content Manager"], roles["Developer"]]
    answer = api.ok(api.request(method, "/stacks/users/roles", {"users": {uid: wanted}}))
    assert answer == {
        "notice": "The roles were applied successfully.",
        "users": [{"uid": uid, "roles": wanted}],
    }
    users = {u["uid"]: u for u in api.ok(api.get("/stacks/users"))["users"]}
    assert users[uid]["roles"] == wanted
    _error(api.request(method, "/stacks/users/roles", {"users": {"bltnobody": wanted}}), 422)
    _error(api.request(method, "/stacks/users/roles", {"users": {uid: ["bltnotarole"]}}), 422)
    # Leaving the organization takes the stack roles (and any share) along.
    api.ok(api.delete(f"/organizations/{_org(api)}/share", json={"emails": [member.email]}))
    assert uid not in {u["uid"] for u in api.ok(api.get("/stacks/users"))["users"]}
    _error(member.get("/content_types"), 412)


def test_transfer_and_accept_ownership(
    api: Api, services: Any, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    member, bystander = _member(api, services, client), _member(api, services, client)
    outsider = new_user(services, client)
    refused = _error(api.post("/stacks/transfer_ownership", {"transfer_to": outsider.email}), 422)
    assert refused["error_message"] == (
        "Sorry about that. Provided email is not a part of the organization."
    )
    _error(api.post("/stacks/transfer_ownership", {"transfer_to": {"transfer_to": "x"}}), 422)
    _error(api.post("/stacks/transfer_ownership", {"transfer_to": api.email}), 422)

    with caplog.at_level(logging.WARNING, logger="veneer"):
        answer = api.ok(api.post("/stacks/transfer_ownership", {"transfer_to": member.email}))
    assert answer == {
        "notice": f"An email has been sent to {member.email} about transferring ownership of "
        "'Test stack'. The ownership will be transferred after the other user accepts ownership."
    }
    link = re.search(r"(/v3/stacks/accept_ownership/\S+)", caplog.text)
    assert link is not None
    path = link.group(1).removeprefix("/v3")
    token = path.split("/")[-1].split("?")[0]
    uid = re.search(r"uid=(\w+)", path)
    assert uid is not None

    _error(bystander.get(path), 403)  # someone else's link
    _error(member.get(f"/stacks/accept_ownership/csnotatoken?uid={uid.group(1)}"), 422)
    assert member.ok(member.get(path)) == {"notice": "Ownership transferred successfully."}
    stack = api.ok(api.get("/stacks"))["stack"]
    assert stack["owner_uid"] == uid.group(1)
    _error(member.get(f"/stacks/accept_ownership/{token}?uid={uid.group(1)}"), 422)  # spent
    owners = [u["email"] for u in api.ok(api.get("/stacks/users"))["users"] if u["is_owner"]]
    assert owners == [member.email]
    # The new owner manages the stack now: it can share it.
    member.ok(member.post("/stacks/share", {"emails": [outsider.email]}))


def test_tokens_and_outsiders_never_reach_stack_users(api: Api, services: Any, client: Any) -> None:
    token = api.ok(
        api.post(
            "/stacks/management_tokens",
            {
                "token": {
                    "name": "m",
                    "scope": [
                        {"module": "content_type", "acl": {"read": True, "write": True}},
                        MAIN_BRANCH,
                    ],
                }
            },
        ),
        201,
    )["token"]["token"]
    headers = {"api_key": api.api_key, "authorization": token}
    assert client.get("/v3/stacks/users", headers=headers).status_code == 403
    shared = client.post("/v3/stacks/share", json={"emails": ["a@b.c"]}, headers=headers)
    assert shared.status_code == 403
    outsider = _as(new_user(services, client), api.api_key)
    response = outsider.get("/stacks/users")
    _error(response, 412)
    assert api.email not in response.text


def test_expired_offers_and_deleted_stacks_leave_nothing(
    api: Api, services: Any, client: Any
) -> None:
    member = _member(api, services, client)
    uid = next(
        u["uid"] for u in api.ok(api.get("/stacks/users"))["users"] if u["email"] == member.email
    )
    token, owner = "cs" + "0" * 24, api.ok(api.get("/stacks"))["stack"]["owner_uid"]
    with services.store.write() as tx:  # an offer made long ago
        tx.shares.add_transfer(
            {
                "token_hash": ids.token_hash(token),
                "stack": api.api_key,
                "to_uid": uid,
                "from_uid": owner,
                "created_at": "2000-01-01T00:00:00.000Z",
                "expires_at": "2000-01-08T00:00:00.000Z",
            }
        )
    _error(member.get(f"/stacks/accept_ownership/{token}?uid={uid}"), 422)

    outsider = new_user(services, client)
    api.ok(api.post("/stacks/share", {"emails": [outsider.email]}))
    assert len(outsider.ok(outsider.get("/stacks"))["stacks"]) == 1
    api.ok(api.delete("/stacks"))
    assert outsider.ok(outsider.get("/stacks"))["stacks"] == []
    with services.store.read() as tx:
        assert tx.shares.of_stack(api.api_key) == []
        assert tx.shares.transfer(ids.token_hash(token)) is None
