"""The checks of a stack role's body (domain.roles), table-driven over plain dicts."""

from __future__ import annotations

from typing import Any

import pytest

from veneer.domain.roles import acl_problem, rule_problems, validate_role
from veneer.errors import ValidationFailed

BRANCH = {"module": "branch", "branches": ["main"], "acl": {"read": True}}


@pytest.mark.parametrize(
    ("rule", "keys"),
    [
        (BRANCH, set()),
        ({"module": "branch_alias", "branch_aliases": ["deploy"], "acl": {"read": True}}, set()),
        ({"module": "entry", "entries": ["blt1"], "acl": {"update": False}, "restrict": 1}, set()),
        (
            {"module": "folder", "folders": ["$all"], "acl": {"sub_acl": {"publish": True}}},
            set(),
        ),
        ({"module": "taxonomy", "taxonomies": ["$all"], "acl": {"read": True}}, set()),
        (
            {
                "module": "taxonomy",
                "taxonomies": ["t"],
                "terms": ["t.a"],
                "content_types": [{"uid": "$all", "acl": {}}, {"uid": "page"}],
                "acl": {"read": True},
            },
            set(),
        ),
        ({"module": "taxonomy", "taxonomies": ["t"], "terms": "t.a", "acl": {}}, {"terms"}),
        ({"module": "locale", "locales": ["en-us"]}, {"acl"}),
        ({"module": "locale", "locales": [1], "acl": {}}, {"locales"}),
        ({"module": "stack", "acl": {}}, {"module"}),
        ({"acl": {}}, {"module"}),
        ("branch", {""}),
    ],
)
def test_rule_problems(rule: Any, keys: set[str]) -> None:
    assert set(rule_problems(rule)) == keys


@pytest.mark.parametrize(
    ("acl", "bad"),
    [
        ({"read": True, "sub_acl": {"read": True, "create": False}}, None),
        ({}, None),
        ({"write": True}, "write"),
        ({"read": 1}, "read"),
        ({"sub_acl": {"view": True}}, "sub_acl.view"),
        ({"sub_acl": True}, "sub_acl"),
        ([], "object"),
        (None, "object"),
    ],
)
def test_acl_problem(acl: Any, bad: str | None) -> None:
    found = acl_problem(acl)
    assert (found is None) if bad is None else (found is not None and bad in found)


def test_a_valid_role_keeps_its_rules_and_trims_its_name() -> None:
    rules = [BRANCH, {"module": "asset", "assets": ["$all"], "acl": {"read": True}}]
    body = {"name": " Editor ", "rules": rules, "deploy_content": True, "uid": "ignored"}
    assert validate_role(body) == {
        "name": "Editor",
        "description": "",
        "rules": rules,
        "deploy_content": True,
    }


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"rules": [BRANCH]}, "name"),
        ({"name": "x" * 256, "rules": [BRANCH]}, "name"),
        ({"name": "R", "rules": []}, "rules.branch"),
        ({"name": "R", "rules": {"module": "branch"}}, "rules"),
        ({"name": "R", "rules": [BRANCH, {"module": "x"}]}, "rules.1.module"),
        ({"name": "R", "rules": [BRANCH], "description": ["d"]}, "description"),
        ({"name": "R", "rules": [BRANCH], "deploy_content": 1}, "deploy_content"),
    ],
)
def test_invalid_roles_name_the_field(body: dict[str, Any], key: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_role(body, "Role update")
    assert refused.value.message == "Role update failed. Please enter valid data."
    assert key in refused.value.errors
