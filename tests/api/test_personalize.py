"""The Personalize-shaped endpoints (docs/personalize.md), driven by the exact request sequence
of Contentstack's CLI (cli-variants, as cm:stacks:export and cm:stacks:import run it): export
entry variants from one stack, import them into another, and compare."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from tests.api.test_variants_api import BASE, CT
from tests.conftest import MAIN_BRANCH, Api, new_user

ERROR_KEYS = {"error_message", "error_code", "errors"}
NAMES = {"red": "Red", "blue": "Blue"}


class Personalize:
    """The CLI's Personalize client: its base URL is the region's personalize URL."""

    def __init__(self, api: Api, project: str | None = None) -> None:
        self.api, self.project = api, project

    def call(self, method: str, path: str, json: Any = None, **headers: str) -> httpx2.Response:
        sent = {"authtoken": self.api.authtoken, **headers}
        if self.project:
            sent["X-Project-Uid"] = self.project
        return self.api.client.request(method, "/personalize" + path, json=json, headers=sent)

    def ok(self, method: str, path: str, json: Any = None, status: int = 200, **h: str) -> Any:
        response = self.call(method, path, json, **h)
        assert response.status_code == status, response.text
        return response.json()


def _org(api: Api) -> str:
    return str(api.ok(api.get("/organizations"))["organizations"][0]["uid"])


def _source(api: Api) -> dict[str, Any]:
    """Stack A: a landing page with two variant groups; `colors` has two entry variants."""
    api.ok(api.post("/content_types", CT), 201)
    entry = api.ok(api.post("/content_types/landing/entries", {"entry": BASE}), 201)["entry"]
    group = {"name": "Colors", "uid": "colors", "content_types": ["landing"]}
    api.ok(api.post("/variant_groups", group), 201)
    api.ok(api.post("/variant_groups/colors/variants", {"uid": "red", "name": "Red"}), 201)
    api.ok(api.post("/variant_groups/colors/variants", {"uid": "blue", "name": "Blue"}), 201)
    api.ok(api.post("/variant_groups", {"name": "Empty", "uid": "empty"}), 201)
    path = f"/content_types/landing/entries/{entry['uid']}/variants"
    for variant, title in (("red", "Red page"), ("blue", "Blue page")):
        body = {"entry": {"single_line": title, "_variant": {"_change_set": ["single_line"]}}}
        api.ok(api.put(f"{path}/{variant}", body), 201)
    return {"entry": entry["uid"]}


def _export(api: Api, entry: str) -> dict[str, Any]:
    """What `csdx cm:stacks:export` asks, in its order, and what it writes down."""
    org = _org(api)
    projects = Personalize(api).ok(
        "GET", f"/projects?connectedStackApiKey={api.api_key}", organization_uid=org
    )
    assert len(projects) == 1  # the export goes on only with a project
    pz = Personalize(api, projects[0]["uid"])
    for module in ("attributes", "audiences", "events"):
        assert pz.ok("GET", f"/{module}") == []
    experiences = pz.ok("GET", "/experiences")
    ids_list, cts, versions = [], {}, {}
    for experience in experiences:
        for short, variant in experience["_cms"]["variants"].items():
            ids_list.append(f"{experience['uid']}-{short}-{variant}")
        versions[experience["uid"]] = pz.ok("GET", f"/experiences/{experience['uid']}/versions")
        groups = api.ok(api.get(f"/variant_groups?experience_uid={experience['uid']}"))
        cts[experience["uid"]] = groups["variant_groups"][0]["content_types"]
    # The entries module asks for the project again before exporting entry variants.
    again = Personalize(api).ok(
        "GET", f"/projects?connectedStackApiKey={api.api_key}", organization_uid=org
    )
    assert again == projects
    query = "locale=en-us&skip=0&limit=100&include_variant=false&include_count=true"
    query += "&include_publish_details=true"
    listed = api.ok(api.get(f"/content_types/landing/entries/{entry}/variants?{query}"))
    return {
        "projects": projects,
        "experiences": experiences,
        "ids": ids_list,
        "cts": cts,
        "versions": versions,
        "variant_entries": listed["entries"],
    }


def _import(api: Api, dump: dict[str, Any]) -> dict[str, str]:
    """What `csdx cm:stacks:import` asks (content types first, then Personalize, then entries and
    their variants); returns the CLI's variants-uid-mapping."""
    api.ok(api.post("/content_types", CT), 201)
    org = _org(api)
    source = dump["projects"][0]
    project = Personalize(api).ok(
        "POST",
        "/projects",
        {
            "name": source["name"],
            "description": source["description"],
            "connectedStackApiKey": api.api_key,
        },
        201,
        organization_uid=org,
    )
    pz = Personalize(api, project["uid"])
    new_uids, cms = {}, {}
    for experience in dump["experiences"]:
        body = {k: v for k, v in experience.items() if k != "uid"}
        created = pz.ok("POST", "/experiences", body, 201)
        new_uids[experience["uid"]] = created["uid"]
        for version in dump["versions"][experience["uid"]]:  # the ACTIVE one: updated, shortUid cut
            version = {
                **version,
                "variants": [
                    {k: v for k, v in item.items() if k != "shortUid"}
                    for item in version["variants"]
                ],
            }
            pz.ok(
                "PUT", f"/experiences/{created['uid']}/versions/{created['latestVersion']}", version
            )
    for new in new_uids.values():  # validateVariantGroupAndVariantsCreated
        got = pz.ok("GET", f"/experiences/{new}")
        assert got["_cms"]["variantGroup"] and got["_cms"]["variants"]
        cms[new] = got["_cms"]["variants"]
    for old, new in new_uids.items():  # attachCTsInExperience
        linked = [
            ct for ct in dump["cts"][old] if ct["uid"] == "landing" and ct["status"] == "linked"
        ]
        group = api.ok(api.get(f"/variant_groups?experience_uid={new}"))["variant_groups"][0]
        group["content_types"] = linked
        api.ok(api.put(f"/variant_groups/{group['uid']}", group))  # the CLI sends it unwrapped
    mapping = {}  # createVariantIdMapper
    for line in dump["ids"]:
        experience, short, old_variant = line.split("-")
        mapping[old_variant] = cms[new_uids[experience]][short]
    return mapping


def test_cli_round_trip_of_entry_variants(api: Api, client: Any) -> None:
    source = _source(api)
    dump = _export(api, source["entry"])
    assert [e["uid"] for e in dump["experiences"]] == ["colors"]  # `empty` has no variants
    shorts = dump["experiences"][0]["_cms"]["variants"]  # places among the group's variants
    assert sorted(shorts) == ["0", "1"] and set(shorts.values()) == {"red", "blue"}
    assert dump["cts"]["colors"] == [{"uid": "landing", "status": "linked"}]
    version = dump["versions"]["colors"][0]
    assert [(v["shortUid"], v["name"]) for v in version["variants"]] == [
        (short, NAMES[shorts[short]]) for short in ("0", "1")
    ]
    assert len(dump["variant_entries"]) == 2

    target = Api(client, api.email)
    target.authtoken = api.authtoken
    target.api_key = api.ok(api.post("/stacks", {"stack": {"name": "Copy"}}), 201)["stack"][
        "api_key"
    ]
    mapping = _import(target, dump)
    assert set(mapping) == {"red", "blue"} and len(set(mapping.values())) == 2
    entry = target.ok(target.post("/content_types/landing/entries", {"entry": BASE}), 201)["entry"]
    path = f"/content_types/landing/entries/{entry['uid']}/variants"
    for variant_entry in dump["variant_entries"]:
        old = variant_entry["_variant"]["_uid"]
        change = variant_entry["_variant"]["_change_set"]
        body = {k: variant_entry[k] for k in change}
        body["_variant"] = {"_change_set": change}
        target.ok(target.put(f"{path}/{mapping[old]}", {"entry": body}), 201)

    copied = target.ok(target.get(path))["entries"]
    assert {(e["_variant"]["_uid"], e["single_line"]) for e in copied} == {
        (mapping["red"], "Red page"),
        (mapping["blue"], "Blue page"),
    }
    groups = target.ok(target.get("/variant_groups?include_variant_info=true"))["variant_groups"]
    assert [g["name"] for g in groups] == ["Colors"]
    names = {v["uid"]: v["name"] for v in groups[0]["variants"]}
    assert {names[mapping[old]] for old in mapping} == {"Red", "Blue"}
    assert all(names[mapping[old]] == NAMES[old] for old in mapping)
    assert groups[0]["content_types"] == [{"uid": "landing", "status": "linked"}]
    # Exported again, the copy maps the same short uids to its own variants.
    again = Personalize(target, target.api_key).ok("GET", "/experiences")
    assert again[0]["_cms"]["variants"] == {short: mapping[old] for short, old in shorts.items()}


def test_versions_rename_and_add_but_never_delete(api: Api) -> None:
    _source(api)
    pz = Personalize(api, api.api_key)
    version = pz.ok("GET", "/experiences/colors/versions")[0]
    first = version["variants"][0]["name"]  # the variant in place "0" keeps its name
    body = {"status": "ACTIVE", "variants": [{"shortUid": "1", "name": "Navy"}]}
    answer = pz.ok("PUT", f"/experiences/colors/versions/{version['uid']}", body)
    assert [(v["shortUid"], v["name"]) for v in answer["variants"]] == [("0", first), ("1", "Navy")]
    added = pz.ok(
        "POST", "/experiences/colors/versions", {"variants": [{}, {}, {"name": "Green"}]}, 201
    )
    assert [(v["shortUid"], v["name"]) for v in added["variants"]] == [
        ("0", first),
        ("1", "Navy"),
        ("2", "Green"),
    ]
    listed = pz.ok("GET", "/experiences")[0]["_cms"]["variants"]
    assert sorted(listed) == ["0", "1", "2"] and {"red", "blue"} <= set(listed.values())
    bad = pz.call("PUT", "/experiences/colors/versions/nope", body)
    assert bad.status_code == 422 and set(bad.json()) == ERROR_KEYS
    missing = pz.call("GET", "/experiences/nope")
    assert missing.status_code == 422 and set(missing.json()) == ERROR_KEYS


def test_audiences_attributes_events_are_refused(api: Api) -> None:
    pz = Personalize(api, api.api_key)
    for what in ("audiences", "attributes", "events"):
        refused = pz.call("POST", f"/{what}", {"name": "x", "key": "x"})
        assert refused.status_code == 422 and set(refused.json()) == ERROR_KEYS


def test_projects_and_experiences_of_other_stacks_stay_hidden(
    api: Api, services: Any, client: Any
) -> None:
    _source(api)
    outsider = new_user(services, client)
    own = outsider.ok(outsider.post("/stacks", {"stack": {"name": "Theirs"}}), 201)["stack"]
    seen = Personalize(outsider).ok("GET", f"/projects?connectedStackApiKey={api.api_key}")
    assert seen == []
    assert [p["uid"] for p in Personalize(outsider).ok("GET", "/projects")] == [own["api_key"]]
    pz = Personalize(outsider, api.api_key)
    for method, path in (
        ("GET", "/experiences"),
        ("GET", "/experiences/colors"),
        ("GET", "/experiences/colors/versions"),
        ("PUT", "/experiences/colors/versions/colors"),
        ("POST", "/experiences"),
        ("GET", "/audiences"),
    ):
        response = pz.call(method, path, {"name": "x", "variants": []})
        assert response.status_code == 412 and set(response.json()) == ERROR_KEYS, path
        assert "Colors" not in response.text and "red" not in response.text
    stolen = Personalize(outsider).call(
        "POST", "/projects", {"name": "x", "connectedStackApiKey": api.api_key}
    )
    assert stolen.status_code == 412 and api.api_key not in stolen.text.replace("x-project", "")
    # Their own project shows only their own (empty) stack.
    assert Personalize(outsider, own["api_key"]).ok("GET", "/experiences") == []


@pytest.mark.parametrize("header", ["authorization", "access_token"])
def test_tokens_are_not_accepted(api: Api, header: str) -> None:
    kind = "management_tokens" if header == "authorization" else "delivery_tokens"
    api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)
    scope = (
        [{"module": "content_type", "acl": {"read": True, "write": True}}, MAIN_BRANCH]
        if header == "authorization"
        else [
            {"module": "environment", "environments": ["production"], "acl": {"read": True}},
            MAIN_BRANCH,
        ]
    )
    token = api.ok(api.post(f"/stacks/{kind}", {"token": {"name": "t", "scope": scope}}), 201)
    response = api.client.get(
        "/personalize/experiences",
        headers={header: token["token"]["token"], "X-Project-Uid": api.api_key},
    )
    assert response.status_code in (401, 403) and set(response.json()) == ERROR_KEYS
