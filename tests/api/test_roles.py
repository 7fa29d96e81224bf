"""Stack roles (`/v3/roles`, services.roles): the built-in roles and custom ones, with the bodies
the management SDKs send (the JS suite's `basicRole`, the Python suite's `testRole`), paging in
the database, validation, sharing with custom roles, and isolation between stacks."""

from __future__ import annotations

import copy
from typing import Any

from tests.conftest import MAIN_BRANCH, Api, new_user

ERROR_KEYS = {"error_message", "error_code", "errors"}
BUILT_IN = ["Admin", "Developer", "Content Manager"]
BRANCH = {"module": "branch", "branches": ["main"], "acl": {"read": True}}
# The JS management suite's `basicRole` (test/sanity-check/mock/configurations.js).
BASIC = {
    "role": {
        "name": "Content Editor",
        "description": "Can create and edit content but cannot publish",
        "rules": [
            BRANCH,
            {
                "module": "content_type",
                "content_types": ["$all"],
                "acl": {
                    "read": True,
                    "sub_acl": {
                        "read": True,
                        "create": True,
                        "update": True,
                        "delete": False,
                        "publish": False,
                    },
                },
            },
            {
                "module": "asset",
                "assets": ["$all"],
                "acl": {"read": True, "update": True, "publish": False, "delete": False},
            },
            {"module": "environment", "environments": ["$all"], "acl": {"read": True}},
            {"module": "locale", "locales": ["en-us"], "acl": {"read": True}},
        ],
    }
}
# The Python management suite's `testRole` rules beyond the branch (tests/api/roles).
PYTHON_RULES = [
    BRANCH,
    {"module": "branch_alias", "branch_aliases": ["deploy"], "acl": {"read": True}},
    {
        "module": "folder",
        "folders": ["$all"],
        "acl": {"read": True, "sub_acl": {"read": True}},
    },
    {
        "module": "taxonomy",
        "taxonomies": ["taxonomy_testing1"],
        "terms": ["taxonomy_testing1.term_test1"],
        "content_types": [
            {"uid": "$all", "acl": {"read": True, "sub_acl": {"read": True, "publish": True}}}
        ],
        "acl": {"read": True, "sub_acl": {"read": True, "create": True}},
    },
]


def _error(response: Any, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == ERROR_KEYS
    return body


def _role(name: str, rules: list[Any] | None = None) -> dict[str, Any]:
    return {"role": {"name": name, "description": f"{name} role", "rules": rules or [BRANCH]}}


def _create(api: Api, name: str, rules: list[Any] | None = None) -> dict[str, Any]:
    made = api.ok(api.post("/roles", _role(name, rules)), 201)
    assert made["notice"] == "The role created successfully."
    role: dict[str, Any] = made["role"]
    return role


def _user_uid(api: Api, email: str) -> str:
    users = api.ok(api.get("/stacks/users"))["users"]
    return str(next(u["uid"] for u in users if u["email"] == email))


def test_create_read_update_delete_a_custom_role(api: Api) -> None:
    made = api.ok(api.post("/roles", BASIC), 201)
    assert made["notice"] == "The role created successfully."
    role = made["role"]
    assert role["uid"].startswith("blt") and role["name"] == "Content Editor"
    assert role["rules"] == BASIC["role"]["rules"]
    assert (role["users"], role["roles"], role["api_key"]) == ([], [], api.api_key)

    # Rules come with include_rules (or include_permissions), as on Contentstack.
    bare = api.ok(api.get(f"/roles/{role['uid']}"))["role"]
    assert "rules" not in bare and bare["name"] == "Content Editor"
    for flag in ("include_rules", "include_permissions"):
        full = api.ok(api.get(f"/roles/{role['uid']}", params={flag: "true"}))["role"]
        assert full == role
    listed = api.ok(api.get("/roles", params={"include_rules": "true"}))["roles"]
    assert [r["name"] for r in listed] == [*BUILT_IN, "Content Editor"]
    assert listed[-1] == role

    # The JS SDK's `role.update()` sends the whole fetched role back, changed.
    fetched = copy.deepcopy(role)
    fetched["name"] = "Updated Editor"
    fetched["rules"].append(PYTHON_RULES[3])
    updated = api.ok(api.put(f"/roles/{role['uid']}", {"role": fetched}))
    assert updated["notice"] == "The role updated successfully."
    assert updated["role"]["name"] == "Updated Editor" and len(updated["role"]["rules"]) == 6
    assert updated["role"]["created_at"] == role["created_at"]
    # The JS suite's `roleUpdate`: only name and description; the rules stay.
    partial = {"role": {"name": "Content Editor (Updated)", "description": "Updated role"}}
    again = api.ok(api.put(f"/roles/{role['uid']}", partial))["role"]
    assert (again["description"], again["rules"]) == ("Updated role", updated["role"]["rules"])

    deleted = api.ok(api.delete(f"/roles/{role['uid']}"))
    assert deleted == {"notice": "The role deleted successfully."}
    gone = _error(api.get(f"/roles/{role['uid']}"))
    assert gone["error_code"] == 141
    _error(api.put(f"/roles/{role['uid']}", partial))
    _error(api.delete(f"/roles/{role['uid']}"))
    assert [r["name"] for r in api.ok(api.get("/roles"))["roles"]] == BUILT_IN


def test_the_python_suites_role_and_deploy_content(api: Api) -> None:
    body = _role("testRole", PYTHON_RULES)
    body["role"]["deploy_content"] = True
    role = api.ok(api.post("/roles", body), 201)["role"]
    assert (role["rules"], role["deploy_content"]) == (PYTHON_RULES, True)


def test_roles_are_paged_and_counted_built_in_first(api: Api) -> None:
    names = [f"Custom {n}" for n in range(4)]
    for name in names:
        _create(api, name)
    everything = [*BUILT_IN, *names]

    def page(**query: str) -> tuple[list[str], int | None]:
        body = api.ok(api.get("/roles", params=query))
        return [r["name"] for r in body["roles"]], body.get("count")

    assert page() == (everything, None)
    assert page(include_count="true") == (everything, 7)
    for skip in range(8):
        for limit in (1, 2, 3, 5):
            found, _ = page(skip=str(skip), limit=str(limit))
            assert found == everything[skip : skip + limit], (skip, limit)
    assert page(skip="100", include_count="true") == ([], 7)


def test_bad_roles_are_refused_naming_the_field(api: Api) -> None:
    _create(api, "Taken")
    bad_rules: list[tuple[Any, str]] = [
        (
            [{"module": "content_type", "content_types": ["$all"], "acl": {"read": True}}],
            "rules.branch",
        ),
        ([BRANCH, {"module": "workflow", "workflows": [], "acl": {}}], "rules.1.module"),
        ([BRANCH, {"module": "asset", "assets": "$all", "acl": {"read": True}}], "rules.1.assets"),
        ([BRANCH, {"module": "asset", "assets": ["$all"], "acl": {"write": True}}], "rules.1.acl"),
        ([BRANCH, {"module": "asset", "assets": ["$all"], "acl": {"read": "yes"}}], "rules.1.acl"),
        ([BRANCH, {"module": "asset", "assets": ["$all"]}], "rules.1.acl"),
        (
            [BRANCH, {"module": "folder", "folders": [], "acl": {"sub_acl": {"view": True}}}],
            "rules.1.acl",
        ),
        (
            [
                BRANCH,
                {"module": "taxonomy", "taxonomies": ["t"], "content_types": ["ct"], "acl": {}},
            ],
            "rules.1.content_types",
        ),
        ([BRANCH, "asset"], "rules.1"),
        ("all", "rules"),
    ]
    bodies: list[tuple[dict[str, Any], str]] = [
        ({"rules": [BRANCH]}, "name"),
        ({"name": "  ", "rules": [BRANCH]}, "name"),
        ({"name": "x" * 256, "rules": [BRANCH]}, "name"),
        ({"name": "Taken", "rules": [BRANCH]}, "name"),
        ({"name": "Admin", "rules": [BRANCH]}, "name"),
        ({"name": "No rules"}, "rules"),
        ({"name": "D", "rules": [BRANCH], "description": 3}, "description"),
        ({"name": "D", "rules": [BRANCH], "deploy_content": "yes"}, "deploy_content"),
        *(({"name": "R", "rules": rules}, key) for rules, key in bad_rules),
    ]
    for body, key in bodies:
        refused = _error(api.post("/roles", {"role": body}))
        assert refused["error_message"] == "Role creation failed. Please enter valid data."
        assert (refused["error_code"], key in refused["errors"]) == (119, True), (body, refused)
    _error(api.post("/roles", {"role": "Editor"}))
    _error(api.post("/roles", {"role": {**_role("U")["role"], "users": "everyone"}}))
    _error(api.post("/roles", {"role": {**_role("U")["role"], "users": ["bltnobody"]}}))
    assert [r["name"] for r in api.ok(api.get("/roles"))["roles"]] == [*BUILT_IN, "Taken"]

    other = _create(api, "Other")
    clash = _error(api.put(f"/roles/{other['uid']}", {"role": {"name": "Taken"}}))
    assert clash["error_message"] == "Role update failed. Please enter valid data."
    assert clash["errors"] == {"name": ["is not unique."]}
    kept = api.put(f"/roles/{other['uid']}", {"role": {"name": "Other", "description": "same"}})
    assert api.ok(kept)["role"]["name"] == "Other"  # its own name is no clash


def test_built_in_roles_cannot_be_changed_or_deleted(api: Api) -> None:
    for role in api.ok(api.get("/roles"))["roles"]:
        for response in (
            api.put(f"/roles/{role['uid']}", {"role": {"name": "Mine", "rules": [BRANCH]}}),
            api.delete(f"/roles/{role['uid']}"),
        ):
            refused = _error(response)
            assert refused["errors"] == {
                "role": [f"'{role['name']}' is one of Contentstack's built-in roles."]
            }
    assert [r["name"] for r in api.ok(api.get("/roles"))["roles"]] == BUILT_IN


def test_custom_roles_are_given_by_sharing_and_users_roles(
    api: Api, services: Any, client: Any
) -> None:
    role = _create(api, "Translator")
    outsider = new_user(services, client)
    shared = {"emails": [outsider.email], "roles": {outsider.email: [role["uid"]]}}
    api.ok(api.post("/stacks/share", shared))
    uid = _user_uid(api, outsider.email)
    users = {u["uid"]: u["roles"] for u in api.ok(api.get("/stacks/users"))["users"]}
    assert users[uid] == [role["uid"]]
    assert api.ok(api.get(f"/roles/{role['uid']}"))["role"]["users"] == [uid]

    # A role users hold is not deleted: Veneer names them.
    refused = _error(api.delete(f"/roles/{role['uid']}"))
    assert refused["errors"] == {"users": [f"{uid} hold this role."]}
    roles = {r["name"]: r["uid"] for r in api.ok(api.get("/roles"))["roles"]}
    both = [roles["Developer"], role["uid"]]
    api.ok(api.put("/stacks/users/roles", {"users": {uid: both}}))
    assert api.ok(api.get(f"/roles/{roles['Developer']}"))["role"]["users"] == [uid]
    api.ok(api.put("/stacks/users/roles", {"users": {uid: [roles["Developer"]]}}))
    api.ok(api.delete(f"/roles/{role['uid']}"))
    # A deleted role is no role any more.
    _error(api.put("/stacks/users/roles", {"users": {uid: [role["uid"]]}}))


def test_a_roles_users_in_its_body(api: Api, services: Any, client: Any) -> None:
    outsider = new_user(services, client)
    api.ok(api.post("/stacks/share", {"emails": [outsider.email]}))
    uid = _user_uid(api, outsider.email)
    body = _role("Reviewer")
    body["role"]["users"] = [uid]
    role = api.ok(api.post("/roles", body), 201)["role"]
    assert role["users"] == [uid]
    developer = {r["name"]: r["uid"] for r in api.ok(api.get("/roles"))["roles"]}["Developer"]
    users = {u["uid"]: u["roles"] for u in api.ok(api.get("/stacks/users"))["users"]}
    assert users[uid] == [developer, role["uid"]]
    taken = api.ok(api.put(f"/roles/{role['uid']}", {"role": {"users": []}}))["role"]
    assert taken["users"] == []
    users = {u["uid"]: u["roles"] for u in api.ok(api.get("/stacks/users"))["users"]}
    assert users[uid] == [developer]
    # A user whose only role it is keeps it: removing it would leave no role.
    api.ok(api.put("/stacks/users/roles", {"users": {uid: [role["uid"]]}}))
    _error(api.put(f"/roles/{role['uid']}", {"role": {"users": []}}))


def test_another_stacks_roles_are_never_reached(api: Api, services: Any, client: Any) -> None:
    role = _create(api, "Secret role")
    other = api.ok(api.post("/stacks", {"stack": {"name": "Other"}}), 201)["stack"]["api_key"]
    mine = Api(api.client, api.email)
    mine.authtoken, mine.api_key = api.authtoken, other
    assert [r["name"] for r in mine.ok(mine.get("/roles"))["roles"]] == BUILT_IN
    _error(mine.get(f"/roles/{role['uid']}"))
    _error(mine.put(f"/roles/{role['uid']}", {"role": {"name": "Stolen"}}))
    _error(mine.delete(f"/roles/{role['uid']}"))
    outsider = new_user(services, client)
    shared = {"emails": [outsider.email], "roles": {outsider.email: [role["uid"]]}}
    _error(mine.post("/stacks/share", shared))
    # The same name is free in another stack.
    _create(mine, "Secret role")
    assert api.ok(api.get(f"/roles/{role['uid']}"))["role"]["name"] == "Secret role"

    stranger = new_user(services, client)
    stranger.api_key = api.api_key
    for response in (
        stranger.get("/roles"),
        stranger.get(f"/roles/{role['uid']}"),
        stranger.post("/roles", _role("Mine")),
        stranger.delete(f"/roles/{role['uid']}"),
    ):
        _error(response, 412)


def test_members_and_tokens_read_roles_and_managers_change_them(
    api: Api, services: Any, client: Any
) -> None:
    org = api.ok(api.get("/organizations"))["organizations"][0]["uid"]
    member = new_user(services, client)
    api.ok(
        api.post(f"/organizations/{org}/share", {"share": {"users": {member.email: ["member"]}}})
    )
    member.api_key = api.api_key
    role = _create(api, "Editor")
    assert [r["name"] for r in member.ok(member.get("/roles"))["roles"]] == [*BUILT_IN, "Editor"]
    _error(member.post("/roles", _role("Mine")), 403)
    _error(member.put(f"/roles/{role['uid']}", {"role": {"name": "Mine"}}), 403)
    _error(member.delete(f"/roles/{role['uid']}"), 403)
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
    # A management token reads the roles (csdx exports them with one) but does not change them.
    assert [r["name"] for r in client.get("/v3/roles", headers=headers).json()["roles"]] == [
        *BUILT_IN,
        "Editor",
    ]
    assert client.post("/v3/roles", json=_role("T"), headers=headers).status_code == 403
    assert [r["name"] for r in api.ok(api.get("/roles"))["roles"]] == [*BUILT_IN, "Editor"]
