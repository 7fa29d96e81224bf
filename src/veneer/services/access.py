"""Who may reach which stack, and do what there. Every stack-scoped operation starts here.

Management tokens carry Contentstack's `scope`: a list of `{"module", "acl": {"read", "write"}}`
items. Each operation names the module it acts on (`MODULES`); a token may read (write) a module
when the scope item naming that module allows it. A module the scope does not name takes the
`content_type` item's ACL (Contentstack's own token form writes only `content_type` and `branch`;
its content-type ACL stands for the stack's content). A `branch` item, when present, says which
branches the token reaches: it must list Veneer's one branch (`main`) for the token to reach
anything. Its own `acl` does not narrow the modules' (Contentstack's documented example token is
`content_type` read + write with `branch` read, a read-write token). The `webhook` module is the
stack's webhooks (docs/webhooks.md): reading them, their executions, and (with write) their
signing secrets. The stack
itself, its tokens and organizations are never a token's (Contentstack: "Management tokens cannot
be used for the following modules: organization, stack, user session, and tokens").

Users act through their organization role (`ROLES`, the matrix in docs/behaviour.md): every member
reads and writes the content of the organization's stacks; renaming or deleting a stack and
managing its tokens is for the stack's owner and the organization's owner and admins. A stack
shared with a user outside the organization (`/v3/stacks/share`) lets that collaborator read and
write its content as a member does, and nothing of the organization's other stacks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from veneer.errors import Forbidden, PreconditionFailed, Unauthorized
from veneer.services.context import Actor
from veneer.store import Transaction

MODULES = (
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
)
PLURALS = {
    "asset": "assets",
    "content_type": "content types",
    "entry": "entries",
    "environment": "environments",
    "extension": "extensions",
    "global_field": "global fields",
    "label": "labels",
    "locale": "locales",
    "taxonomy": "taxonomies",
    "variant_group": "variant groups",
    "webhook": "webhooks",
}
STACK = "stack"  # the stack's own settings and its tokens: users only
BRANCH = "main"  # the one branch every Veneer stack has
ROLES = ("owner", "admin", "member")
MANAGERS = {"owner", "admin"}  # may rename/delete any stack of the organization, manage tokens


def token_acl(scope: Iterable[Any]) -> tuple[frozenset[str], frozenset[str]]:
    """The modules a management token's scope lets it read, and those it lets it write."""
    items = {s.get("module"): s.get("acl") or {} for s in scope if isinstance(s, dict)}
    items = {k: v if isinstance(v, dict) else {} for k, v in items.items()}
    branch = next((s for s in scope if isinstance(s, dict) and s.get("module") == "branch"), None)
    cap_read = cap_write = True
    if branch is not None:
        named = branch.get("branches")
        cap_read = cap_write = not isinstance(named, list) or BRANCH in named or "*" in named
    reads, writes = set(), set()
    for module in MODULES:
        acl = items.get(module, items.get("content_type"))
        if acl is None:
            continue
        if cap_write and acl.get("write"):
            writes.add(module)
        if cap_read and (acl.get("read") or acl.get("write")):
            reads.add(module)
    return frozenset(reads), frozenset(writes)


def stack_row(
    tx: Transaction, actor: Actor, api_key: str | None, module: str, *, write: bool = False
) -> dict[str, Any]:
    """The stack named by `api_key`, if `actor` may read (or `write`) its `module`; 412 for a key
    it cannot see, 403 for a module its token scope or its role does not allow."""
    if not api_key:
        raise PreconditionFailed(errors={"api_key": ["is required."]})
    row = tx.stacks.get(api_key)
    if row is None or not _reaches(tx, actor, row):
        raise PreconditionFailed(errors={"api_key": ["is not valid."]})
    if actor.kind == "delivery":
        raise Unauthorized(
            "Delivery tokens can only read published content.",
            error_code=105,
            errors={"access_token": ["cannot be used for the Content Management API."]},
        )
    if module == STACK and write:
        _require_manager(tx, actor, row)
    elif not actor.permits(module, write):
        verb = "write" if write else "read"
        raise Forbidden(
            f"This management token's scope does not let it {verb} {PLURALS.get(module, module)}.",
            errors={"authorization": [f"has no {verb} access to the {module} module."]},
        )
    return row


def _reaches(tx: Transaction, actor: Actor, row: dict[str, Any]) -> bool:
    if not actor.is_user:
        return bool(actor.stack == row["api_key"])
    if tx.accounts.role(row["org_uid"], actor.uid) is not None:
        return True
    return tx.shares.get(row["api_key"], actor.uid) is not None  # a collaborator of this stack


def _require_manager(tx: Transaction, actor: Actor, row: dict[str, Any]) -> None:
    """Changing a stack itself (its name, its existence, its tokens) takes a user who owns the
    stack or manages its organization."""
    require_user(actor)
    role = tx.accounts.role(row["org_uid"], actor.uid)
    if role not in MANAGERS and row["owner_uid"] != actor.uid:
        raise Forbidden(
            "Only the stack's owner or an organization owner or admin can change this stack.",
            errors={
                "authtoken": [
                    f"belongs to an organization {role}."
                    if role
                    else "belongs to a collaborator of this stack."
                ]
            },
        )


def require_user(actor: Actor) -> None:
    if not actor.is_user:
        raise Forbidden(
            "This action needs a user's authtoken, not a token.",
            errors={"authtoken": ["is required for this action."]},
        )
