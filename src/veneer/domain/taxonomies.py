"""Taxonomies and their terms (issue 14 §7, docs/taxonomies.md): checking their definitions, the
`taxonomy` field of content types and its values in entries, and the hierarchical query
operators. Pure: no I/O; the stack's terms are reached through the functions passed in.

An entry holds its terms as Contentstack does, in the top-level field `taxonomies`:
`[{"taxonomy_uid": "color", "term_uid": "red"}, ...]`. A query names them by taxonomy,
`{"taxonomies.color": "red"}`: the path `taxonomies.<taxonomy_uid>` reaches the term uids the
entry holds in that taxonomy (`term_values`), for the Python evaluator (`domain.query`) and the
field-value index (`domain.fieldindex`) alike.

`$eq_below`, `$below`, `$eq_above` and `$above` (with `levels`, default and at most MAX_LEVELS)
are expanded before a query is compiled (`expand_query`) into `$in` of the term uids they stand
for, so the evaluator and SQL see the same plain query (`levels` 0: no level below or above).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any, TypeGuard

from veneer.errors import Errors, ValidationFailed

FIELD_UID = "taxonomies"  # the uid Contentstack gives every taxonomy field
DATA_TYPE = "taxonomy"
ITEM_KEYS = ("taxonomy_uid", "term_uid")  # the keys of an entry's term, never taxonomy uids
MAX_DEPTH = 10  # levels of terms in a taxonomy, as Contentstack allows
MAX_LEVELS = 10  # `levels` of the hierarchical operators: the default, and the most
MAX_TERMS_PER_FIELD = 100  # terms an entry may hold in its taxonomy field, all taxonomies together
DEFAULT_MAX_TERMS = 25
MAX_NAME = 200
HIERARCHY = ("$eq_below", "$below", "$eq_above", "$above")
_UID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")

# (taxonomy, term, operator, levels) -> the term uids the operator stands for
Expansion = Callable[[str, str, str, int], list[str]]


def depth_param(raw: str | None) -> int | None:
    """`depth` of a terms read: how many levels (every level without it, or with 0)."""
    if raw in (None, "", "0"):
        return None
    if not str(raw).isdigit() or not 1 <= int(str(raw)) <= MAX_DEPTH:
        raise ValidationFailed(
            f"The 'depth' parameter must be a whole number from 0 to {MAX_DEPTH}.",
            {"depth": ["is not valid."]},
        )
    return int(str(raw))


def is_uid(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(_UID_RE.fullmatch(value))


def _add(errors: Errors, key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


# ---------------------------------------------------------------------------------------------
# Taxonomies and terms


def validate_taxonomy(body: Any, what: str, *, new: bool) -> dict[str, Any]:
    """The `uid`, `name` and `description` of a taxonomy body (422 naming every problem)."""
    if not isinstance(body, dict):
        raise ValidationFailed(
            f"{what} failed. Please enter valid data.", {"taxonomy": ["is not an object."]}
        )
    errors: Errors = {}
    uid = body.get("uid")
    if new and not is_uid(uid):
        _add(errors, "uid", "must be 1 to 64 letters, digits, underscores or hyphens.")
    elif new and uid in ITEM_KEYS:
        _add(errors, "uid", f"is reserved: {uid!r} is a key of an entry's terms.")
    _check_name(body.get("name"), errors)
    description = body.get("description", "")
    if description is not None and not isinstance(description, str):
        _add(errors, "description", "must be a string.")
    if errors:
        raise ValidationFailed(f"{what} failed. Please enter valid data.", errors)
    return {"uid": uid, "name": body["name"].strip(), "description": description or ""}


def _check_name(name: Any, errors: Errors) -> None:
    if not isinstance(name, str) or not name.strip():
        _add(errors, "name", "is required.")
    elif len(name) > MAX_NAME:
        _add(errors, "name", f"must be at most {MAX_NAME} characters.")


def validate_term(body: Any, what: str, *, new: bool) -> dict[str, Any]:
    """The `uid`, `name`, and where given `parent_uid` (None: a root term) and `order` (from 1)
    of a term body. `parent_uid` and `order` are returned only when the body has them."""
    if not isinstance(body, dict):
        raise ValidationFailed(
            f"{what} failed. Please enter valid data.", {"term": ["is not an object."]}
        )
    errors: Errors = {}
    if new and not is_uid(body.get("uid")):
        _add(errors, "uid", "must be 1 to 64 letters, digits, underscores or hyphens.")
    if new or "name" in body:
        _check_name(body.get("name"), errors)
    out: dict[str, Any] = {k: body[k] for k in ("uid", "name") if k in body}
    if isinstance(out.get("name"), str):
        out["name"] = out["name"].strip()
    out.update(placement(body, errors))
    if errors:
        raise ValidationFailed(f"{what} failed. Please enter valid data.", errors)
    return out


def placement(body: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """`parent_uid` and `order` as a body gives them (either may be absent)."""
    out: dict[str, Any] = {}
    if "parent_uid" in body:
        parent = body["parent_uid"]
        if parent in (None, "", "None"):  # "None": how the Python SDK's mocks write a root
            out["parent_uid"] = None
        elif is_uid(parent):
            out["parent_uid"] = parent
        else:
            _add(errors, "parent_uid", "must be a term uid or null.")
    if "order" in body and body["order"] is not None:
        order = body["order"]
        if isinstance(order, bool) or not isinstance(order, int) or order < 1:
            _add(errors, "order", "must be a whole number from 1.")
        else:
            out["order"] = order
    return out


def import_document(raw: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An exported taxonomy (`{"taxonomy": {...}, "terms": [...]}`, as `/export` writes it and
    the CLI imports it) as the taxonomy and its terms, each term after its parent, each with its
    `depth`; every problem is a 422 (bad terms, a uid twice, a missing parent, a loop, too deep)."""
    what = "Taxonomy import"
    if not isinstance(raw, dict):
        raise ValidationFailed(
            f"{what} failed. Please enter valid data.",
            {"taxonomy": ["must be an exported taxonomy."]},
        )
    taxonomy = validate_taxonomy(raw.get("taxonomy"), what, new=True)
    items = raw.get("terms") or []
    if isinstance(items, dict):
        items = list(items.values())
    if not isinstance(items, list):
        raise ValidationFailed(
            f"{what} failed. Please enter valid data.", {"terms": ["must be a list of terms."]}
        )
    terms = {}
    for i, item in enumerate(items):
        try:
            term = validate_term(item, what, new=True)
        except ValidationFailed as exc:
            raise ValidationFailed(
                exc.message, {f"terms.{i}.{k}": v for k, v in exc.errors.items()}
            ) from None
        if term["uid"] in terms:
            raise ValidationFailed(
                f"{what} failed. Please enter valid data.", {f"terms.{i}.uid": ["is used twice."]}
            )
        terms[term["uid"]] = {**term, "parent_uid": term.get("parent_uid")}
    return taxonomy, _parents_first(terms)


def _parents_first(terms: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The terms level by level (in their order within a level), each with its `depth`."""
    children: dict[str | None, list[dict[str, Any]]] = {}
    for term in terms.values():
        parent = term["parent_uid"]
        if parent is not None and parent not in terms:
            raise ValidationFailed(
                "Taxonomy import failed. Please enter valid data.",
                {"terms": [f"'{term['uid']}' names a parent that is not in the file: '{parent}'."]},
            )
        children.setdefault(parent, []).append(term)
    out: list[dict[str, Any]] = []
    level, depth = children.get(None, []), 1
    while level:
        if depth > MAX_DEPTH:
            raise ValidationFailed(
                "Taxonomy import failed. Please enter valid data.",
                {"terms": [f"nest deeper than {MAX_DEPTH} levels."]},
            )
        level = sorted(level, key=lambda t: t.get("order", 0))  # stable: file order among ties
        out.extend({**t, "depth": depth} for t in level)
        level = [child for t in level for child in children.get(t["uid"], [])]
        depth += 1
    if len(out) < len(terms):
        raise ValidationFailed(
            "Taxonomy import failed. Please enter valid data.",
            {"terms": ["hold a loop: some terms are their own ancestors."]},
        )
    return out


# ---------------------------------------------------------------------------------------------
# The taxonomy field of a content type, and its values in entries


def check_field(field: dict[str, Any], path: str, errors: Errors, depth: int) -> None:
    """A `taxonomy` field: top level, uid `taxonomies`, a non-empty list of taxonomies, each
    `{taxonomy_uid, max_terms?, mandatory?, non_localizable?}` (defaults filled in)."""
    if depth != 1 or field.get("uid") != FIELD_UID:
        _add(
            errors, f"{path}.uid", f"a taxonomy field sits at the top level with uid {FIELD_UID!r}"
        )
    items = field.get("taxonomies")
    if not isinstance(items, list) or not items:
        _add(errors, f"{path}.taxonomies", "must be a non-empty list of taxonomies")
        return
    seen: set[str] = set()
    checked = []
    for i, item in enumerate(items):
        where = f"{path}.taxonomies.{i}"
        if not isinstance(item, dict) or not is_uid(item.get("taxonomy_uid")):
            _add(errors, where, "must be an object with a taxonomy_uid")
            checked.append(item)
            continue
        if item["taxonomy_uid"] in seen:
            _add(errors, f"{where}.taxonomy_uid", "names a taxonomy twice")
        seen.add(item["taxonomy_uid"])
        out = {"max_terms": DEFAULT_MAX_TERMS, "mandatory": False, "non_localizable": False, **item}
        max_terms = out["max_terms"]
        if (
            isinstance(max_terms, bool)
            or not isinstance(max_terms, int)
            or not 1 <= max_terms <= MAX_TERMS_PER_FIELD
        ):
            _add(
                errors,
                f"{where}.max_terms",
                f"must be a whole number from 1 to {MAX_TERMS_PER_FIELD}",
            )
        for key in ("mandatory", "non_localizable"):
            if not isinstance(out[key], bool):
                _add(errors, f"{where}.{key}", "must be true or false")
        checked.append(out)
    field["taxonomies"] = checked
    field["multiple"] = True


def field_taxonomies(schema: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The taxonomies a content type's taxonomy field allows, by uid (none without one)."""
    for field in schema:
        if isinstance(field, dict) and field.get("data_type") == DATA_TYPE:
            return {
                t["taxonomy_uid"]: t for t in field.get("taxonomies") or [] if isinstance(t, dict)
            }
    return {}


def clean_value(
    field: dict[str, Any], value: Any, path: str, add: Callable[[str, str], None], partial: bool
) -> Any:
    """An entry's taxonomy field: a list of `{taxonomy_uid, term_uid}` in allowed taxonomies,
    each term once, at most `max_terms` per taxonomy, a mandatory taxonomy given a term."""
    if not isinstance(value, list):
        add(path, "must be a list of {taxonomy_uid, term_uid} objects")
        return value
    allowed = {t["taxonomy_uid"]: t for t in field.get("taxonomies") or [] if isinstance(t, dict)}
    out: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    per: dict[str, int] = {}
    if len(value) > MAX_TERMS_PER_FIELD:
        add(path, f"holds more than {MAX_TERMS_PER_FIELD} terms")
        return value
    for i, item in enumerate(value):
        tax = item.get("taxonomy_uid") if isinstance(item, dict) else None
        term = item.get("term_uid") if isinstance(item, dict) else None
        if not is_uid(tax) or not is_uid(term):
            add(f"{path}.{i}", "must be an object with a taxonomy_uid and a term_uid")
            continue
        if tax not in allowed:
            add(f"{path}.{i}.taxonomy_uid", f"is not a taxonomy of this field: {tax!r}")
            continue
        if (tax, term) in seen:
            continue
        seen.add((tax, term))
        per[tax] = per.get(tax, 0) + 1
        out.append({"taxonomy_uid": tax, "term_uid": term})
    for tax, spec in allowed.items():
        if per.get(tax, 0) > spec.get("max_terms", DEFAULT_MAX_TERMS):
            add(path, f"holds more than {spec.get('max_terms')} terms of {tax!r}")
        if spec.get("mandatory") and not partial and not per.get(tax):
            add(path, f"needs a term of {tax!r}")
    return out


def entry_terms(doc: dict[str, Any] | None) -> set[tuple[str, str]]:
    """The (taxonomy, term) pairs an entry holds."""
    items = (doc or {}).get(FIELD_UID)
    if not isinstance(items, list):
        return set()
    return {
        (item["taxonomy_uid"], item["term_uid"])
        for item in items
        if isinstance(item, dict)
        and isinstance(item.get("taxonomy_uid"), str)
        and isinstance(item.get("term_uid"), str)
    }


def term_values(items: Any, taxonomy: str) -> list[Any]:
    """The term uids `taxonomies.<taxonomy>` reaches in an entry's `taxonomies` value (besides
    what a walk of the value finds there: nothing, in a taxonomy field's value)."""
    if taxonomy in ITEM_KEYS or "." in taxonomy or not isinstance(items, list):
        return []
    return [
        item["term_uid"]
        for item in items
        if isinstance(item, dict) and item.get("taxonomy_uid") == taxonomy and "term_uid" in item
    ]


def taxonomy_paths(items: Any) -> dict[str, list[Any]]:
    """Every `taxonomies.<taxonomy>` path an entry's `taxonomies` value has, with its values."""
    if not isinstance(items, list):
        return {}
    names = dict.fromkeys(
        item["taxonomy_uid"]
        for item in items
        if isinstance(item, dict)
        and isinstance(item.get("taxonomy_uid"), str)
        and "." not in item["taxonomy_uid"]
        and item["taxonomy_uid"] not in ITEM_KEYS
        and "term_uid" in item
    )
    return {f"{FIELD_UID}.{name}": term_values(items, name) for name in names}


# ---------------------------------------------------------------------------------------------
# Hierarchical operators


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed("The query is not valid.", {"query": [message]})


def hierarchical(q: Any) -> bool:
    """Whether a query object uses a hierarchical operator anywhere (cheap: no lookups)."""
    if isinstance(q, dict):
        return any(k in HIERARCHY or hierarchical(v) for k, v in q.items())
    if isinstance(q, list):
        return any(hierarchical(v) for v in q)
    return False


def expand_query(q: dict[str, Any], expansion: Expansion) -> dict[str, Any]:
    """`q` with each `{"taxonomies.<t>": {"$eq_below": term, "levels": n}}` (and `$below`,
    `$eq_above`, `$above`) replaced by `{"$in": [the terms it stands for]}`."""
    out = copy.copy(q)
    for key, value in q.items():
        if key in ("$and", "$or") and isinstance(value, list):
            out[key] = [expand_query(v, expansion) if isinstance(v, dict) else v for v in value]
        elif isinstance(value, dict) and any(op in value for op in HIERARCHY):
            out[key] = _expand_condition(key, value, expansion)
    return out


def _expand_condition(path: str, condition: dict[str, Any], expansion: Expansion) -> dict[str, Any]:
    parts = path.split(".")
    if len(parts) != 2 or parts[0] != FIELD_UID:
        raise _invalid(f"{', '.join(HIERARCHY)} apply to taxonomies.<taxonomy_uid>, not {path!r}")
    ops = [op for op in HIERARCHY if op in condition]
    extra = set(condition) - set(HIERARCHY) - {"levels"}
    if len(ops) != 1 or extra:
        raise _invalid(f"{path!r} takes one hierarchical operator and 'levels', nothing else")
    op = ops[0]
    term, levels = condition[op], condition.get("levels", MAX_LEVELS)
    if not isinstance(term, str) or not term:
        raise _invalid(f"{op} on {path!r} needs a term uid")
    if isinstance(levels, str) and levels.isdigit():
        levels = int(levels)
    if isinstance(levels, bool) or not isinstance(levels, int) or not 0 <= levels <= MAX_LEVELS:
        raise _invalid(f"levels on {path!r} must be a whole number from 0 to {MAX_LEVELS}")
    return {"$in": expansion(parts[1], term, op, levels)}


def related_terms(
    op: str,
    term: str,
    levels: int,
    parent_of: Callable[[str], str | None],
    children_of: Callable[[list[str]], list[str]],
) -> list[str]:
    """The terms an operator stands for: `term` itself for `$eq_…` (when it exists), and its
    descendants (`…below`) or ancestors (`…above`) up to `levels` levels away. `parent_of`
    gives a term's parent ('' for a root term, None for no such term); `children_of` the children
    of some terms. Each level is one lookup."""
    if parent_of(term) is None:
        return []
    found = [term] if op.startswith("$eq_") else []
    if op.endswith("below"):
        frontier = [term]
        for _ in range(levels):
            frontier = children_of(frontier)
            if not frontier:
                break
            found.extend(frontier)
        return found
    current = term
    for _ in range(levels):
        parent = parent_of(current)
        if not parent:
            break
        found.append(parent)
        current = parent
    return found
