"""A stack's roles (`/v3/roles`): Contentstack's three built-in roles (not stored: their uids are
derived from the stack's api key) and the stack's custom roles (`custom_roles`), listed built-in
first, then custom oldest first, the custom ones paged by the database.

Any user reaching the stack reads its roles; creating, changing and deleting custom roles is for
the stack's owner and its organization's owners and admins (as sharing the stack is). Built-in
roles cannot be changed or deleted. A role's `users` are the users who hold it
(services.collaborators); `users` in a body gives the role to exactly those users. A role that
users hold cannot be deleted: give them other roles first. Roles are recorded, not enforced
(docs/behaviour.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from veneer import ids
from veneer.domain import roles as domain
from veneer.domain.listing import ListParams
from veneer.errors import NotFoundObject, ValidationFailed
from veneer.services import access, collaborators
from veneer.services.context import Actor, Services
from veneer.store import Transaction

CREATED = "The role created successfully."
UPDATED = "The role updated successfully."
DELETED = "The role deleted successfully."


def _built_ins(stack: Mapping[str, Any]) -> list[dict[str, Any]]:
    owner = stack["owner_uid"]
    return [
        {
            "name": name,
            "description": description,
            "uid": ids.derived(stack["api_key"], "role", name),
            "created_by": owner,
            "updated_by": owner,
            "created_at": stack["created_at"],
            "updated_at": stack["created_at"],
            "users": [],
            "roles": [],
            "owner": owner,
            "SYS_ACL": {},
        }
        for name, description in domain.BUILT_IN_ROLES
    ]


def _answer(
    doc: dict[str, Any], stack: Mapping[str, Any], holders: dict[str, list[str]], rules: bool
) -> dict[str, Any]:
    """A role as the API answers it: who holds it; its rules when asked for (custom roles)."""
    out = {**doc, "users": holders.get(doc["uid"], []), "roles": [], "owner": stack["owner_uid"]}
    out["SYS_ACL"] = {}
    if "rules" in doc:  # a custom role: of this stack and organization
        out.update(org_uid=stack["org_uid"], api_key=stack["api_key"])
    if not rules:
        out.pop("rules", None)
    return out


def _holders(tx: Transaction, stack: Mapping[str, Any]) -> dict[str, list[str]]:
    """Role uid: the uids of the users holding it."""
    found: dict[str, list[str]] = {}
    for user, roles in collaborators.roles_by_user(tx, stack).items():
        for role in roles:
            found.setdefault(role, []).append(user)
    return found


def page(
    services: Services, actor: Actor, api_key: str | None, lp: ListParams, rules: bool
) -> tuple[list[dict[str, Any]], int | None]:
    """`GET /v3/roles`: a page of the built-in roles, then the custom ones (paged in SQL)."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, access.STACK)
        built = _built_ins(stack)[lp.skip : lp.skip + lp.limit]
        skip = max(lp.skip - len(domain.BUILT_IN_ROLES), 0)
        custom = tx.roles.page(stack["api_key"], skip, lp.limit - len(built)) if lp.limit else []
        holders = _holders(tx, stack)
        found = [_answer(doc, stack, holders, rules) for doc in [*built, *custom]]
        count = None
        if lp.include_count:
            count = len(domain.BUILT_IN_ROLES) + tx.roles.count(stack["api_key"])
        return found, count


def get(
    services: Services, actor: Actor, api_key: str | None, uid: str, rules: bool
) -> dict[str, Any]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, access.STACK)
        return _answer(_load(tx, stack, uid), stack, _holders(tx, stack), rules)


def _load(tx: Transaction, stack: Mapping[str, Any], uid: str) -> dict[str, Any]:
    built = next((r for r in _built_ins(stack) if r["uid"] == uid), None)
    doc = built or tx.roles.get(stack["api_key"], uid)
    if doc is None:
        raise NotFoundObject(
            "The role was not found.", {"role": [f"'{uid}' is not a role of this stack."]}
        )
    return doc


def _custom(tx: Transaction, stack: Mapping[str, Any], uid: str, verb: str) -> dict[str, Any]:
    """A custom role of the stack; a built-in one is refused, any other uid is not found."""
    built = next((r for r in _built_ins(stack) if r["uid"] == uid), None)
    if built is not None:
        raise ValidationFailed(
            f"Built-in roles cannot be {verb}.",
            {"role": [f"'{built['name']}' is one of Contentstack's built-in roles."]},
        )
    return _load(tx, stack, uid)


def _check_name(
    tx: Transaction, stack: Mapping[str, Any], name: str, uid: str, action: str
) -> None:
    other = tx.roles.named(stack["api_key"], name)
    if name in domain.BUILT_IN_NAMES or (other is not None and other["uid"] != uid):
        raise ValidationFailed(
            f"{action} failed. Please enter valid data.", {"name": ["is not unique."]}
        )


def create(
    services: Services, actor: Actor, api_key: str | None, body: dict[str, Any]
) -> dict[str, Any]:
    """`POST /v3/roles`."""
    now = ids.now()
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, access.STACK, write=True)
        clean = domain.validate_role(body, "Role creation")
        uid = ids.blt()
        _check_name(tx, stack, clean["name"], uid, "Role creation")
        doc = {
            **clean,
            "uid": uid,
            "created_by": actor.uid,
            "updated_by": actor.uid,
            "created_at": now,
            "updated_at": now,
        }
        tx.roles.add(stack["api_key"], doc)
        if body.get("users") is not None:
            _give(tx, stack, actor, uid, body["users"], now)
        return _answer(doc, stack, _holders(tx, stack), True)


def update(
    services: Services, actor: Actor, api_key: str | None, uid: str, body: dict[str, Any]
) -> dict[str, Any]:
    """`PUT /v3/roles/{uid}`: the keys given replace the stored ones."""
    now = ids.now()
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, access.STACK, write=True)
        previous = _custom(tx, stack, uid, "updated")
        clean = domain.validate_role({**previous, **body}, "Role update")
        _check_name(tx, stack, clean["name"], uid, "Role update")
        keep = ("uid", "created_by", "created_at")
        doc = {
            **{k: previous[k] for k in keep if k in previous},
            **clean,
            "updated_by": actor.uid,
            "updated_at": now,
        }
        tx.roles.replace(stack["api_key"], doc)
        if body.get("users") is not None:
            _give(tx, stack, actor, uid, body["users"], now)
        return _answer(doc, stack, _holders(tx, stack), True)


def delete(services: Services, actor: Actor, api_key: str | None, uid: str) -> None:
    """`DELETE /v3/roles/{uid}`: refused while users hold the role."""
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, access.STACK, write=True)
        _custom(tx, stack, uid, "deleted")
        holding = _holders(tx, stack).get(uid, [])
        if holding:
            raise ValidationFailed(
                "The role is assigned to users: give them other roles first "
                "(POST /v3/stacks/users/roles).",
                {"users": [f"{', '.join(holding)} hold this role."]},
            )
        tx.roles.delete(stack["api_key"], uid)


def _give(
    tx: Transaction, stack: Mapping[str, Any], actor: Actor, uid: str, users: Any, now: str
) -> None:
    """Make `users` (uids of the stack's users) exactly the holders of role `uid`."""
    current = collaborators.roles_by_user(tx, stack)
    if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
        raise ValidationFailed(
            "Please enter valid data.", {"users": ["must be a list of user uids."]}
        )
    strangers = [u for u in users if u not in current]
    if strangers:
        raise ValidationFailed(
            "Please enter valid data.",
            {"users": [f"{', '.join(strangers)}: not users of this stack (GET /v3/stacks/users)."]},
        )
    wanted = set(users)
    for user, roles in current.items():
        if (uid in roles) == (user in wanted):
            continue
        now_roles = [*roles, uid] if user in wanted else [r for r in roles if r != uid]
        if not now_roles:
            raise ValidationFailed(
                "Please enter valid data.",
                {"users": [f"{user} holds no other role: give it another role first."]},
            )
        tx.shares.put(stack["api_key"], user, now_roles, actor.uid, now)
