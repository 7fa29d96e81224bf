"""What the official Contentstack CLI (`csdx cm:stacks:export` / `import`) and the management SDKs
read from Veneer (issue 14, items 1-4), on both databases: every list pages and counts the same
way; content type definitions come back with the keys Contentstack stores, so a GET sent back as a
PUT is accepted unchanged; the stack modules the CLI exports answer with Contentstack's shapes; a
group's variant list names the group; `?count=true` counts entries."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.conftest import MAIN_BRANCH, Api
from veneer.store.core import Rows

# -- 1. every list pages and counts alike ----------------------------------------------------------


def _make_locales(api: Api, n: int) -> None:
    for code in ("fr-fr", "de-de", "it-it", "es-es", "nl-nl")[:n]:
        api.ok(api.post("/locales", {"locale": {"code": code}}), 201)


def _make_environments(api: Api, n: int) -> None:
    for i in range(n):
        api.ok(api.post("/environments", {"environment": {"name": f"env{i}", "urls": []}}), 201)


def _make_tokens(api: Api, n: int) -> None:
    api.ok(api.post("/environments", {"environment": {"name": "production", "urls": []}}), 201)
    for i in range(n):
        scope = [{"module": "environment", "environments": ["production"]}, MAIN_BRANCH]
        api.ok(
            api.post("/stacks/delivery_tokens", {"token": {"name": f"d{i}", "scope": scope}}), 201
        )


def _make_content_types(api: Api, n: int) -> None:
    for i in range(n):
        title = {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True}
        body = {"content_type": {"title": f"T{i}", "uid": f"t{i}", "schema": [title]}}
        api.ok(api.post("/content_types", body), 201)


LISTS = [
    # path, key, make n more items, how many the stack has before
    ("/locales", "locales", _make_locales, 1),  # the master locale
    ("/environments", "environments", _make_environments, 0),
    ("/stacks/delivery_tokens", "tokens", _make_tokens, 0),
    ("/content_types", "content_types", _make_content_types, 0),
]


@pytest.mark.parametrize(("path", "key", "make", "before"), LISTS, ids=[x[1] for x in LISTS])
def test_every_list_pages_and_counts(api: Api, path: str, key: str, make: Any, before: int) -> None:
    make(api, 5)
    total = before + 5
    everything = api.ok(api.get(path, params={"include_count": "true"}))
    assert everything["count"] == total and len(everything[key]) == total
    assert "count" not in api.ok(api.get(path))
    page = api.ok(api.get(path, params={"skip": 2, "limit": 2, "include_count": "true"}))
    assert page["count"] == total
    assert page[key] == everything[key][2:4]
    # The CLI's locale export pages `skip += 100` until `skip > count`: it must see the end.
    past = api.ok(api.get(path, params={"skip": total, "include_count": "true"}))
    assert past == {key: [], "count": total}
    bad = api.get(path, params={"limit": "ten"})
    assert bad.status_code == 422 and "limit" in bad.json()["errors"]
    assert api.ok(api.get(path, params={"limit": 0})) == api.ok(api.get(path))


@pytest.mark.parametrize(("path", "key", "make", "before"), LISTS, ids=[x[1] for x in LISTS])
def test_a_page_reads_only_its_documents(
    api: Api, path: str, key: str, make: Any, before: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database pages and counts: a page of one reads one stored row, however many the stack
    has (every read of rows or documents goes through `Rows._rows` or `Rows._docs`)."""
    make(api, 5)
    read: list[int] = []
    for name in ("_rows", "_docs"):
        real = getattr(Rows, name)

        def spy(self: Rows, query: Any, real: Any = real) -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = real(self, query)
            read.append(len(found))
            return found

        monkeypatch.setattr(Rows, name, spy)
    body = api.ok(api.get(path, params={"limit": 1, "include_count": "true"}))
    assert len(body[key]) == 1 and body["count"] == before + 5
    assert sum(read) == 1


def test_a_users_stacks_page_and_count(user: Api) -> None:
    for name in ("One", "Two", "Three"):
        user.ok(user.post("/stacks", {"stack": {"name": name, "master_locale": "en-us"}}), 201)
    every = user.ok(user.get("/stacks", params={"include_count": "true"}))
    assert every["count"] == 3 and len(every["stacks"]) == 3
    page = user.ok(user.get("/stacks", params={"skip": 1, "limit": 1, "include_count": "true"}))
    assert page == {"stacks": every["stacks"][1:2], "count": 3}


def test_cli_locale_export_loop_ends(api: Api) -> None:
    """`cm:stacks:export`'s locale module, as it pages (limit 100 per request, asc=updated_at)."""
    _make_locales(api, 3)
    skip, seen, requests = 0, [], 0
    while requests < 10:
        params: dict[str, Any] = {"include_count": "true", "asc": "updated_at"}
        if skip:
            params["skip"] = skip
        body = api.ok(api.get("/locales", params=params))
        requests += 1
        if not body["locales"]:
            break
        seen += [locale["code"] for locale in body["locales"]]
        skip += 100
        if skip > body["count"]:
            break
    assert requests == 1 and sorted(seen) == ["de-de", "en-us", "fr-fr", "it-it"]


def test_entry_versions_page_and_count(api: Api) -> None:
    title = {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True}
    ct = {"content_type": {"title": "Page", "uid": "page", "schema": [title]}}
    api.ok(api.post("/content_types", ct), 201)
    entry = api.ok(api.post("/content_types/page/entries", {"entry": {"title": "v1"}}), 201)
    path = f"/content_types/page/entries/{entry['entry']['uid']}"
    for n in (2, 3):
        api.ok(api.put(path, {"entry": {"title": f"v{n}"}}))
    body = api.ok(api.get(path + "/versions", params={"limit": 1, "include_count": "true"}))
    assert body["count"] == 3 and [v["_version"] for v in body["versions"]] == [3]


# -- 2. content type definitions round-trip ---------------------------------------------------------

TITLE = {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True}
EVERY_KIND: list[dict[str, Any]] = [
    TITLE,
    {"display_name": "URL", "uid": "url", "data_type": "text"},
    {
        "display_name": "Body",
        "uid": "body",
        "data_type": "text",
        "field_metadata": {"multiline": True},
    },
    {
        "display_name": "Markdown",
        "uid": "markdown",
        "data_type": "text",
        "field_metadata": {"markdown": True},
    },
    {
        "display_name": "Rich text",
        "uid": "rich_text",
        "data_type": "text",
        "field_metadata": {"allow_rich_text": True, "rich_text_type": "advanced"},
    },
    {
        "display_name": "Select",
        "uid": "select",
        "data_type": "text",
        "display_type": "dropdown",
        "enum": {"advanced": False, "choices": [{"value": "a"}, {"value": "b"}]},
    },
    {"display_name": "Number", "uid": "number", "data_type": "number"},
    {"display_name": "Boolean", "uid": "boolean", "data_type": "boolean"},
    {"display_name": "Date", "uid": "date", "data_type": "isodate"},
    {"display_name": "File", "uid": "file", "data_type": "file"},
    {"display_name": "Link", "uid": "link", "data_type": "link"},
    {
        "display_name": "JSON RTE",
        "uid": "json_rte",
        "data_type": "json",
        "field_metadata": {"allow_json_rte": True},
    },
    {
        "display_name": "Custom",
        "uid": "custom",
        "data_type": "json",
        "extension_uid": "blt0000000000000001",
        "field_metadata": {"extension": True},
    },
    {"display_name": "Author", "uid": "author", "data_type": "reference", "reference_to": "author"},
    {
        "display_name": "Related",
        "uid": "related",
        "data_type": "reference",
        "reference_to": ["author", "article"],
        "field_metadata": {"ref_multiple": True},
    },
    {
        "display_name": "SEO",
        "uid": "seo",
        "data_type": "group",
        "schema": [
            {"display_name": "Meta title", "uid": "meta_title", "data_type": "text"},
            {
                "display_name": "Cover",
                "uid": "cover",
                "data_type": "reference",
                "reference_to": "author",
            },
        ],
    },
    {
        "display_name": "Sections",
        "uid": "sections",
        "data_type": "blocks",
        "blocks": [
            {
                "title": "Hero",
                "uid": "hero",
                "schema": [
                    {
                        "display_name": "Text",
                        "uid": "text",
                        "data_type": "json",
                        "field_metadata": {"allow_json_rte": True},
                    }
                ],
            },
            {"title": "Shared", "uid": "shared", "reference_to": "shared_block"},
        ],
    },
    {"display_name": "Global", "uid": "global", "data_type": "global_field", "reference_to": "gf"},
]


def _fields(schema: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every field of a schema, nested ones (groups, blocks) included."""
    found = []
    for field in schema:
        found.append(field)
        found += _fields(field.get("schema") or [])
        for block in field.get("blocks") or []:
            found += _fields(block.get("schema") or [])
    return found


def _global_fields(api: Api) -> None:
    """The global fields EVERY_KIND names (a content type may name only existing ones)."""
    for uid in ("shared_block", "gf"):
        body = {"uid": uid, "title": uid, "schema": [{**TITLE, "mandatory": False}]}
        api.ok(api.post("/global_fields", {"global_field": body}), 201)


def _by_uid(ct: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["uid"]: f for f in _fields(ct["schema"])}


def test_definitions_carry_the_keys_contentstack_stores(api: Api) -> None:
    author = {"title": "Author", "uid": "author", "schema": [TITLE]}
    api.ok(api.post("/content_types", {"content_type": author}), 201)
    _global_fields(api)
    article = {"title": "Article", "uid": "article", "schema": EVERY_KIND}
    api.ok(api.post("/content_types", {"content_type": article}), 201)
    fields = _by_uid(api.ok(api.get("/content_types/article"))["content_type"])
    for field in fields.values():
        for key, kind in (
            ("mandatory", bool),
            ("unique", bool),
            ("multiple", bool),
            ("non_localizable", bool),
            ("field_metadata", dict),
        ):
            assert isinstance(field[key], kind), (field["uid"], key)
    for uid in ("author", "related", "cover"):
        reference = fields[uid]
        assert isinstance(reference["reference_to"], list), uid
        assert all(isinstance(t, str) for t in reference["reference_to"]), uid
        assert reference["field_metadata"]["ref_multiple_content_types"] is True, uid
        assert isinstance(reference["field_metadata"]["ref_multiple"], bool), uid
    assert fields["author"]["reference_to"] == ["author"]
    for uid in ("json_rte", "text"):
        assert fields[uid]["reference_to"] == ["sys_assets"], uid
        assert fields[uid]["field_metadata"]["allow_json_rte"] is True
    assert "reference_to" not in fields["custom"]  # an extension field is not a JSON RTE
    assert fields["sections"]["multiple"] is True


def test_get_put_round_trip_is_accepted_and_idempotent(api: Api) -> None:
    author = {"title": "Author", "uid": "author", "schema": [TITLE]}
    api.ok(api.post("/content_types", {"content_type": author}), 201)
    _global_fields(api)
    article = {"title": "Article", "uid": "article", "schema": EVERY_KIND}
    api.ok(api.post("/content_types", {"content_type": article}), 201)
    first = api.ok(api.get("/content_types/article"))["content_type"]
    put = api.ok(api.put("/content_types/article", {"content_type": copy.deepcopy(first)}))
    second = api.ok(api.get("/content_types/article"))["content_type"]
    assert put["content_type"] == second
    assert second["schema"] == first["schema"]
    volatile = {"_version", "updated_at", "updated_by"}
    assert {k: v for k, v in second.items() if k not in volatile} == {
        k: v for k, v in first.items() if k not in volatile
    }
    assert second["_version"] == first["_version"] + 1


def test_cli_audit_leaves_references_alone(api: Api) -> None:
    """The CLI's audit (`fixMissingReferences`) rewrites a reference field whose `reference_to` is
    not a list and adds `ref_multiple_content_types`; a definition Veneer returned needs no fix,
    so the import's PUT keeps every field and entries still reference."""
    author = {"title": "Author", "uid": "author", "schema": [TITLE]}
    api.ok(api.post("/content_types", {"content_type": author}), 201)
    article = {"title": "Article", "uid": "article", "schema": EVERY_KIND[:2]}
    api.ok(api.post("/content_types", {"content_type": article}), 201)
    exported = api.ok(api.get("/content_types/article"))["content_type"]
    exported["schema"].append(copy.deepcopy(EVERY_KIND[13]))  # author, reference_to "author"
    imported = api.ok(api.put("/content_types/article", {"content_type": exported}))
    reference = _by_uid(imported["content_type"])["author"]
    audited = copy.deepcopy(reference)
    if not isinstance(audited["reference_to"], list):  # what the audit would do
        audited["reference_to"] = [audited["reference_to"]]
        audited["field_metadata"] = {**audited["field_metadata"], "ref_multiple_content_types": 1}
    assert audited == reference
    assert [f["uid"] for f in imported["content_type"]["schema"]] == ["title", "url", "author"]
    writer = api.ok(api.post("/content_types/author/entries", {"entry": {"title": "Ann"}}), 201)
    uid = writer["entry"]["uid"]
    entry = {"title": "Hello", "author": [{"uid": uid, "_content_type_uid": "author"}]}
    made = api.ok(api.post("/content_types/article/entries", {"entry": entry}), 201)
    assert made["entry"]["author"] == [{"uid": uid, "_content_type_uid": "author"}]


# -- 3. the stack modules the CLI exports ---------------------------------------------------------


def test_roles_are_contentstacks_built_in_roles(api: Api) -> None:
    body = api.ok(api.get("/roles", params={"include_rules": "true", "include_count": "true"}))
    assert sorted(role["name"] for role in body["roles"]) == [
        "Admin",
        "Content Manager",
        "Developer",
    ]
    assert body["count"] == 3
    assert all(role["uid"].startswith("blt") and role["description"] for role in body["roles"])
    again = api.ok(api.get("/roles"))
    assert [r["uid"] for r in again["roles"]] == [r["uid"] for r in body["roles"]]
    developer = next(r for r in body["roles"] if r["name"] == "Developer")
    assert api.ok(api.get(f"/roles/{developer['uid']}"))["role"] == developer
    assert api.get("/roles/bltnotarole").status_code == 422


def test_branches_settings_and_modules_answer(api: Api) -> None:
    branches = api.ok(api.get("/stacks/branches", params={"include_count": "true"}))
    assert [b["uid"] for b in branches["branches"]] == ["main"] and branches["count"] == 1
    assert branches["branches"][0]["source"] == ""
    assert api.ok(api.get("/stacks/branches/main"))["branch"]["uid"] == "main"
    missing = api.get("/stacks/branches/develop")
    assert missing.status_code == 422 and "branch" in missing.json()["errors"]
    settings = api.ok(api.get("/stacks/settings"))["stack_settings"]
    assert {"stack_variables", "live_preview", "discrete_variables", "rte"} <= set(settings)
    for key in ("extensions", "webhooks", "labels", "workflows"):  # none made yet
        assert api.ok(api.get(f"/{key}", params={"include_count": "true"})) == {key: [], "count": 0}
        assert api.ok(api.get(f"/{key}")) == {key: []}


def test_stack_modules_need_the_stack(api: Api) -> None:
    for path in ("/roles", "/stacks/branches", "/stacks/settings", "/labels"):
        response = api.get(path, headers={"api_key": "bltnotastack000000"})
        assert response.status_code == 412, path
        assert set(response.json()) >= {"error_message", "error_code"}, path


# -- 4. variants of a group, and counting entries ---------------------------------------------------


def test_group_variant_list_names_the_group(api: Api) -> None:
    group = api.ok(api.post("/variant_groups", {"name": "Colors", "uid": "colors"}), 201)
    for name in ("Red", "Blue"):
        api.ok(api.post("/variant_groups/colors/variants", {"name": name}), 201)
    body = api.ok(api.get("/variant_groups/colors/variants", params={"include_count": "true"}))
    assert body["uid"] == group["uid"] == "colors" and body["name"] == "Colors"
    assert body["count"] == 2
    assert {v["variant_group_uid"] for v in body["variants"]} == {"colors"}
    # What the JS SDK's VariantsCollection does with it: `/variant_groups/${data.uid}/variants/${v}`.
    variant = body["variants"][0]["uid"]
    path = f"/variant_groups/{body['uid']}/variants/{variant}"
    assert api.ok(api.put(path, {"name": "Crimson"}))["name"] == "Crimson"
    api.ok(api.delete(path))
    assert api.ok(api.get("/variant_groups/colors/variants"))["variants"][0]["name"] == "Blue"


def test_entries_count_true_answers_the_number(api: Api) -> None:
    title = {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True}
    views = {"display_name": "Views", "uid": "views", "data_type": "number"}
    ct = {"content_type": {"title": "Page", "uid": "page", "schema": [title, views]}}
    api.ok(api.post("/content_types", ct), 201)
    for n in range(4):
        entry = {"entry": {"title": f"p{n}", "views": n}}
        api.ok(api.post("/content_types/page/entries", entry), 201)
    assert api.ok(api.get("/content_types/page/entries", params={"count": "true"})) == {
        "entries": 4
    }
    where = {"count": "true", "query": '{"views": {"$gte": 2}}'}
    assert api.ok(api.get("/content_types/page/entries", params=where)) == {"entries": 2}
