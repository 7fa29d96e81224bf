"""A Personalize-shaped view of a stack's variant groups, for Contentstack's CLI (docs/personalize.md).

The CLI (cli-variants) exports and imports entry variants only through the Personalize Management
API: it looks up the project connected to the stack, lists the project's experiences, and reads
each experience's `_cms.variants`, a map from a variant's short uid to the CMS variant it is. Veneer
keeps no Personalize data of its own and answers from what it has:

- every stack is one project, whose uid is the stack's api key;
- every variant group is one experience, with the group's uid;
- the group's variants are the experience's variants, oldest first; a variant's short uid is its
  `personalize_metadata.variant_short_uid`, else its place among the group's variants;
- an experience has one version (its uid is the experience's), listing the variants.

Creating an experience creates a variant group; putting a version's `variants` renames the
variants it names (by `shortUid`, else by place) and creates the others. Nothing here deletes a
variant: that would delete its entry variants. Audiences, attributes and events do not exist.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from veneer import ids
from veneer.errors import NotFoundObject, PreconditionFailed, ValidationFailed
from veneer.services import access, loaders
from veneer.services.context import Actor, Services
from veneer.store import Transaction

EXPERIENCE_TYPE = "SegmentedExperience"
VARIANT_TYPE = "SegmentedVariant"
NAME_MAX = 200  # the width of variants.alias, and a generous bound for names


def _stack(tx: Transaction, actor: Actor, project: str | None, write: bool = False) -> str:
    """The stack a project uid names, if `actor` (a user: Personalize takes no tokens) reaches it."""
    if not project:
        raise PreconditionFailed(
            "Name the project in the x-project-uid header.",
            errors={"x-project-uid": ["is required."]},
        )
    access.require_user(actor)
    try:
        return str(access.stack_row(tx, actor, project, "variant_group", write=write)["api_key"])
    except PreconditionFailed as exc:
        raise PreconditionFailed(
            "The project does not exist or is not yours.",
            errors={"x-project-uid": ["is not valid."]},
        ) from exc


def project_body(row: Mapping[str, Any], experiences: int) -> dict[str, Any]:
    return {
        "_id": row["api_key"],
        "uid": row["api_key"],
        "name": row["name"],
        "description": row["description"],
        "organizationUid": row["org_uid"],
        "connectedStackApiKey": row["api_key"],
        "audienceCount": 0,
        "activeExperienceCount": experiences,
        "createdBy": row["owner_uid"],
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
    }


def _project(tx: Transaction, row: Mapping[str, Any]) -> dict[str, Any]:
    return project_body(row, len(_by_group(tx, row["api_key"])))


def _by_group(tx: Transaction, stack: str) -> dict[str, list[dict[str, Any]]]:
    """The stack's variants by group (one query), groups without variants left out."""
    found: dict[str, list[dict[str, Any]]] = {}
    for variant in tx.variants.all(stack):
        if variant.get("variant_group_uid"):
            found.setdefault(variant["variant_group_uid"], []).append(variant)
    return found


def list_projects(
    services: Services, actor: Actor, connected: str | None, org_uid: str | None
) -> list[dict[str, Any]]:
    """The caller's projects: the one of stack `connected` (none when the caller does not reach
    it), or those of every stack it reaches (in organization `org_uid`)."""
    access.require_user(actor)
    with services.store.read() as tx:
        rows = tx.stacks.of_user(actor.uid)
        if connected:
            rows = [r for r in rows if r["api_key"] == connected]
        elif org_uid:
            rows = [r for r in rows if r["org_uid"] == org_uid]
        return [_project(tx, r) for r in rows]


def create_project(services: Services, actor: Actor, body: Mapping[str, Any]) -> dict[str, Any]:
    """A stack is its own project: "creating" one for `connectedStackApiKey` answers that stack's."""
    access.require_user(actor)
    connected = body.get("connectedStackApiKey")
    if not isinstance(connected, str) or not connected:
        raise ValidationFailed(
            "Veneer's projects are its stacks: name the stack in connectedStackApiKey.",
            {"connectedStackApiKey": ["is required."]},
        )
    with services.store.read() as tx:
        stack = _stack(tx, actor, connected, write=True)
        row = tx.stacks.get(stack)
        assert row is not None
        return _project(tx, row)


# -- experiences ---------------------------------------------------------------------------------
def _ordered(variants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(variants, key=lambda v: (str(v.get("created_at") or ""), v["uid"]))


def _short_map(variants: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each variant of a group by its short uid (its metadata's, else its place; a clash falls
    back to the variant's uid, which is unique)."""
    found: dict[str, dict[str, Any]] = {}
    for place, variant in enumerate(_ordered(variants)):
        short = (variant.get("personalize_metadata") or {}).get("variant_short_uid", place)
        key = str(short)
        found[variant["uid"] if key in found else key] = variant
    return found


def _shorts(tx: Transaction, stack: str, group: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return _short_map(tx.variants.all(stack, group["uid"]))


def experience_body(
    project: str, group: Mapping[str, Any], shorts: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    return {
        "_id": group["uid"],
        "uid": group["uid"],
        "name": group["name"],
        "description": group.get("description") or "",
        "__type": EXPERIENCE_TYPE,
        "status": "ACTIVE" if shorts else "DRAFT",
        "project": project,
        "latestVersion": group["uid"],
        "_cms": {
            "variantGroup": group["uid"],
            "variants": {short: variant["uid"] for short, variant in shorts.items()},
        },
        "createdAt": group.get("created_at"),
        "updatedAt": group.get("updated_at"),
    }


def version_body(
    project: str, group: Mapping[str, Any], shorts: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    variants = []
    for short, variant in shorts.items():
        item = {
            "__type": VARIANT_TYPE,
            "shortUid": short,
            "name": variant["name"],
            "audiences": [],
            "audienceCombinationType": "OR",
        }
        if variant.get("alias"):
            item["alias"] = variant["alias"]  # Veneer's own: the import keeps it
        variants.append(item)
    return {
        "_id": group["uid"],
        "uid": group["uid"],
        "experience": group["uid"],
        "project": project,
        "name": group["name"],
        "__type": EXPERIENCE_TYPE,
        "status": "ACTIVE" if variants else "DRAFT",
        "variants": variants,
        "createdAt": group.get("created_at"),
        "updatedAt": group.get("updated_at"),
    }


def list_experiences(services: Services, actor: Actor, project: str | None) -> list[dict[str, Any]]:
    """The project's experiences: its stack's variant groups that have variants (an experience
    without variants never gets its CMS variants, and the CLI's import waits for them)."""
    with services.store.read() as tx:
        stack = _stack(tx, actor, project)
        by_group = _by_group(tx, stack)
        groups = sorted(tx.variant_groups.all(stack), key=lambda g: (g["created_at"], g["uid"]))
        return [
            experience_body(stack, group, _short_map(by_group[group["uid"]]))
            for group in groups
            if group["uid"] in by_group
        ]


def get_experience(
    services: Services, actor: Actor, project: str | None, uid: str
) -> dict[str, Any]:
    with services.store.read() as tx:
        stack = _stack(tx, actor, project)
        group = _group(tx, stack, uid)
        return experience_body(stack, group, _shorts(tx, stack, group))


def _group(tx: Transaction, stack: str, uid: str) -> dict[str, Any]:
    try:
        return loaders.variant_group(tx, stack, uid)
    except NotFoundObject as exc:
        raise NotFoundObject(
            "The experience does not exist.", {"experience": [f"'{uid}' does not exist."]}
        ) from exc


def _text(body: Mapping[str, Any], key: str, required: bool) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > NAME_MAX:
        raise ValidationFailed(
            "Please enter valid data.", {key: [f"is required, at most {NAME_MAX} characters."]}
        )
    return value.strip()


def create_experience(
    services: Services, actor: Actor, project: str | None, body: Mapping[str, Any]
) -> dict[str, Any]:
    """A new variant group, named as the experience; its variants come with its versions."""
    now = ids.now()
    with services.store.write() as tx:
        stack = _stack(tx, actor, project, write=True)
        name = _text(body, "name", required=True)
        uid = ids.cs()
        group: dict[str, Any] = {
            "uid": uid,
            "name": name,
            "description": str(body.get("description") or ""),
            "content_types": [],
            "branches": ["main"],
            "personalize_metadata": {"experience_uid": uid, "project_uid": stack},
            "created_by": actor.uid,
            "updated_by": actor.uid,
            "created_at": now,
            "updated_at": now,
        }
        tx.variant_groups.add(stack, group)
        return experience_body(stack, group, {})


# -- versions ------------------------------------------------------------------------------------
def list_versions(
    services: Services, actor: Actor, project: str | None, uid: str
) -> list[dict[str, Any]]:
    with services.store.read() as tx:
        stack = _stack(tx, actor, project)
        group = _group(tx, stack, uid)
        return [version_body(stack, group, _shorts(tx, stack, group))]


def put_version(
    services: Services,
    actor: Actor,
    project: str | None,
    uid: str,
    version: str | None,
    body: Mapping[str, Any],
) -> dict[str, Any]:
    """`PUT …/versions/{version}` (the one version) and `POST …/versions` alike: the variants the
    body lists are renamed or created; the others stay."""
    wanted = body.get("variants", [])
    if not isinstance(wanted, list) or not all(isinstance(v, dict) for v in wanted):
        raise ValidationFailed("Please enter valid data.", {"variants": ["must be a list."]})
    with services.store.write() as tx:
        stack = _stack(tx, actor, project, write=True)
        group = _group(tx, stack, uid)
        if version is not None and version != group["uid"]:
            raise NotFoundObject(
                "The version does not exist.", {"version": [f"'{version}' does not exist."]}
            )
        shorts = _shorts(tx, stack, group)
        for place, item in enumerate(wanted):
            short = str(item.get("shortUid", place))
            _put_variant(tx, actor, stack, group, short, shorts.get(short), item)
        return version_body(stack, group, _shorts(tx, stack, group))


def _put_variant(
    tx: Transaction,
    actor: Actor,
    stack: str,
    group: Mapping[str, Any],
    short: str,
    current: dict[str, Any] | None,
    item: Mapping[str, Any],
) -> None:
    name = _text(item, "name", required=current is None)  # an existing variant keeps its name
    now = ids.now()
    if current is not None:
        if name and current["name"] != name:
            tx.variants.replace(stack, {**current, "name": name, "updated_at": now})
        return
    asked = item.get("alias")
    alias = unicodedata.normalize("NFC", asked) if isinstance(asked, str) and asked else None
    if alias and (len(alias) > NAME_MAX or tx.variants.find(stack, alias) is not None):
        raise ValidationFailed(
            "Variant creation failed. Please enter valid data.", {"alias": ["is not unique."]}
        )
    doc: dict[str, Any] = {
        "uid": ids.cs(),
        "name": name,
        "variant_group_uid": group["uid"],
        "personalize_metadata": {
            "experience_uid": group["uid"],
            "project_uid": stack,
            "variant_short_uid": short,
        },
        "created_by": actor.uid,
        "updated_by": actor.uid,
        "created_at": now,
        "updated_at": now,
    }
    if alias:
        doc["alias"] = alias
    tx.variants.add(stack, doc, alias)


def check_project(services: Services, actor: Actor, project: str | None) -> None:
    """That the caller reaches the project (audiences, attributes and events: there are none)."""
    with services.store.read() as tx:
        _stack(tx, actor, project)


def refuse_create(services: Services, actor: Actor, project: str | None, what: str) -> None:
    with services.store.read() as tx:
        _stack(tx, actor, project, write=True)
    raise ValidationFailed(
        f"Veneer keeps no Personalize {what}: only experiences (its variant groups).",
        {what: ["are not kept by Veneer."]},
    )
