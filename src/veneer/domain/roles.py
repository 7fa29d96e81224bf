"""What a stack role must be, as pure checks over the bodies Contentstack's clients send
(`POST /v3/roles`, `PUT /v3/roles/{uid}`): a `name`, a `description`, and `rules`, each naming a
`module`, the things of that module it covers (`branches`, `content_types`, … or `$all`) and an
`acl` of booleans (`read`, `create`, `update`, `delete`, `publish`, and a `sub_acl` of the same
for what the things hold: a content type's entries, a folder's assets). Contentstack requires a
rule on a branch (or a branch alias): its error names `rules.branch`.

Rules are recorded as given, with their keys checked; the things they name are not looked up
(a role may name a content type made later). Veneer does not enforce them (docs/behaviour.md)."""

from __future__ import annotations

from typing import Any

from veneer.errors import ValidationFailed

# Contentstack's three built-in stack roles; the owner is a property of the stack, not a role.
BUILT_IN_ROLES = (
    (
        "Admin",
        (
            "Admin can perform all actions and manage all settings of the stack, except the "
            "ability to delete or transfer ownership of the stack."
        ),
    ),
    (
        "Developer",
        (
            "Developer can perform all Content Manager's actions, view audit logs, create roles, "
            "invite users, manage content types, languages, and environments."
        ),
    ),
    (
        "Content Manager",
        (
            "Content Manager can view all content types, manage entries and assets, and publish "
            "content, but cannot change content types or the stack's settings."
        ),
    ),
)
BUILT_IN_NAMES = frozenset(name for name, _ in BUILT_IN_ROLES)

# Each module a rule may name, and the key listing what of it the rule covers.
RULE_MODULES = {
    "branch": "branches",
    "branch_alias": "branch_aliases",
    "content_type": "content_types",
    "entry": "entries",
    "asset": "assets",
    "folder": "folders",
    "environment": "environments",
    "locale": "locales",
    "taxonomy": "taxonomies",
}
ACL_KEYS = frozenset({"read", "create", "update", "delete", "publish"})
NAME_LENGTH = 255


def _refuse(action: str, errors: dict[str, list[str]]) -> ValidationFailed:
    return ValidationFailed(f"{action} failed. Please enter valid data.", errors, error_code=119)


def validate_role(body: dict[str, Any], action: str = "Role creation") -> dict[str, Any]:
    """The role's stored fields (`name`, `description`, `rules`, and `deploy_content` when
    given), or a 422 naming each bad one."""
    errors: dict[str, list[str]] = {}
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        errors["name"] = ["is required: a non-empty string."]
    elif len(name) > NAME_LENGTH:
        errors["name"] = [f"must be at most {NAME_LENGTH} characters."]
    description = body.get("description")
    if description is not None and not isinstance(description, str):
        errors["description"] = ["must be a string."]
    rules = body.get("rules")
    if not isinstance(rules, list):
        errors["rules"] = ["must be a list of rules, one a branch rule."]
    else:
        for n, rule in enumerate(rules):
            for key, why in rule_problems(rule).items():
                errors[f"rules.{n}.{key}" if key else f"rules.{n}"] = [why]
        if not any(isinstance(r, dict) and r.get("module") in _BRANCHES for r in rules):
            errors["rules.branch"] = ["is required: a rule on the branch (module 'branch')."]
    deploy = body.get("deploy_content")
    if deploy is not None and not isinstance(deploy, bool):
        errors["deploy_content"] = ["must be true or false."]
    if errors:
        raise _refuse(action, errors)
    out: dict[str, Any] = {
        "name": str(name).strip(),
        "description": description or "",
        "rules": rules,
    }
    if deploy is not None:
        out["deploy_content"] = deploy
    return out


_BRANCHES = ("branch", "branch_alias")


def rule_problems(rule: Any) -> dict[str, str]:
    """What is wrong with one rule, by key ('' for the rule itself)."""
    if not isinstance(rule, dict):
        return {"": "must be an object with a module and an acl."}
    module = rule.get("module")
    if module not in RULE_MODULES:
        return {"module": f"must be one of {', '.join(RULE_MODULES)}."}
    problems: dict[str, str] = {}
    things = RULE_MODULES[module]
    if module == "taxonomy":
        problems.update(_taxonomy_problems(rule))
    elif not _strings(rule.get(things)):
        problems[things] = "must be a list of uids (or '$all')."
    why = acl_problem(rule.get("acl"))
    if why:
        problems["acl"] = why
    return problems


def _taxonomy_problems(rule: dict[str, Any]) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not _strings(rule.get("taxonomies")):
        problems["taxonomies"] = "must be a list of taxonomy uids (or '$all')."
    if "terms" in rule and not _strings(rule["terms"]):
        problems["terms"] = "must be a list of 'taxonomy.term' uids."
    per_type = rule.get("content_types", [])
    if not isinstance(per_type, list) or not all(
        isinstance(c, dict) and isinstance(c.get("uid"), str) and not acl_problem(c.get("acl"), {})
        for c in per_type
    ):
        problems["content_types"] = "must be a list of {uid, acl} objects."
    return problems


def acl_problem(acl: Any, empty: dict[str, Any] | None = None) -> str | None:
    """Why `acl` is not an ACL (None when it is): an object of booleans among ACL_KEYS and a
    `sub_acl` object of the same. (`empty`: what an absent ACL stands for, if it may be.)"""
    if acl is None and empty is not None:
        acl = empty
    if not isinstance(acl, dict):
        return 'must be an object such as {"read": true}.'
    sub = acl.get("sub_acl")
    flags = {k: v for k, v in acl.items() if k != "sub_acl"}
    bad = sorted(k for k, v in flags.items() if k not in ACL_KEYS or not isinstance(v, bool))
    if sub is not None:
        if not isinstance(sub, dict):
            return "sub_acl must be an object of booleans."
        bad += sorted(
            f"sub_acl.{k}" for k, v in sub.items() if k not in ACL_KEYS or not isinstance(v, bool)
        )
    if bad:
        return f"holds {', '.join(bad)}: the keys are {', '.join(sorted(ACL_KEYS))} (booleans)."
    return None


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
