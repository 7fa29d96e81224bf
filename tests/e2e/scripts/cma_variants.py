"""Drives the entry-variant API with the official Python management SDK, in whatever version the
running interpreter has installed (the test runs it with 1.10.0 and 1.11.x). Prints one JSON object
of observations for the test to assert on. Usage: cma_variants.py HOST EMAIL PASSWORD"""

import json
import sys

import contentstack_management

host, email, password = sys.argv[1:4]
client = contentstack_management.Client(host=host, scheme="http://", timeout=30)
seen = {
    "sdk": contentstack_management.__version__
    if hasattr(contentstack_management, "__version__")
    else "?"
}


def ok(response, status=200):
    if response.status_code != status:
        raise SystemExit(
            f"{response.request.method} {response.request.url} -> {response.status_code}: {response.text}"
        )
    return response.json()


ok(client.login(email, password))
key = ok(
    client.stack().create(None, {"stack": {"name": "variants", "master_locale": "en-us"}}), 201
)["stack"]["api_key"]
stack = client.stack(key)
ok(stack.environments().create({"environment": {"name": "production"}}), 201)
ok(
    stack.content_types().create(
        {
            "content_type": {
                "title": "Product",
                "uid": "product",
                "schema": [
                    {
                        "display_name": "Title",
                        "uid": "title",
                        "data_type": "text",
                        "mandatory": True,
                    },
                    {"display_name": "Color", "uid": "color", "data_type": "text"},
                    {
                        "display_name": "Specs",
                        "uid": "specs",
                        "data_type": "group",
                        "multiple": True,
                        "schema": [{"display_name": "Name", "uid": "name", "data_type": "text"}],
                    },
                ],
            }
        }
    ),
    201,
)
entry_uid = ok(
    stack.content_types("product")
    .entry()
    .create(
        {"entry": {"title": "Lamp", "color": "white", "specs": [{"name": "a"}, {"name": "b"}]}}
    ),
    201,
)["entry"]["uid"]

group = ok(
    stack.variant_group().create({"name": "Colors", "uid": "colors", "content_types": []}), 201
)
seen["group_uid"] = group["uid"]
ok(stack.variant_group("colors").variants().create({"uid": "red", "name": "Red"}), 201)
blue = ok(stack.variant_group("colors").variants().create({"name": "Blue"}), 201)
seen["blue_uid"] = blue["uid"]
link = ok(
    stack.variant_group("colors").link_contenttypes(
        {
            "uid": "colors",
            "name": "Colors",
            "content_types": [{"uid": "product", "status": "linked"}],
        }
    )
)
seen["link_message"] = link["message"]
seen["groups"] = [g["uid"] for g in ok(stack.variant_group().find())["variant_groups"]]
seen["variants"] = sorted(
    v["uid"] for v in ok(stack.variant_group("colors").variants().find())["variants"]
)
seen["by_uids"] = sorted(
    v["uid"] for v in ok(stack.variants().fetchByUIDs(["red", blue["uid"]]))["variants"]
)

entry = stack.content_types("product").entry(entry_uid)
created = ok(
    entry.variants().update(
        {"entry": {"color": "red", "_variant": {"_change_set": ["color"]}}}, "red"
    ),
    201,
)
seen["created_notice"] = created["notice"]
seen["created_change_set"] = created["entry"]["_variant"]["_change_set"]
posted = ok(
    entry.variants().create({"entry": {"title": "Blue lamp", "_variant": {"_uid": blue["uid"]}}}),
    201,
)
seen["posted_change_set"] = posted["entry"]["_variant"]["_change_set"]
updated = ok(entry.variants().update({"entry": {"title": "Red lamp", "_variant": {}}}, "red"))
seen["updated"] = [
    updated["notice"],
    updated["entry"]["_version"],
    updated["entry"]["_variant"]["_change_set"],
]
seen["fetched_color"] = ok(entry.variants().fetch("red"))["entry"]["color"]
listed = ok(entry.variants().find({"include_count": "true"}))
seen["listed"] = [listed["count"], sorted(e["_variant"]["_uid"] for e in listed["entries"])]
seen["versions"] = [v["_version"] for v in ok(entry.variants().versions("red"))["versions"]]
merged = ok(stack.content_types("product").entry(entry_uid).includeVariants("true", "red"))["entry"]
seen["merged"] = [merged["title"], merged["color"]]

published = ok(
    entry.publish(
        {
            "entry": {
                "environments": ["production"],
                "locales": ["en-us"],
                "variants": [{"uid": "red", "version": 2}],
                "variant_rules": {
                    "publish_latest_base": False,
                    "publish_latest_base_conditionally": True,
                },
            },
            "locale": "en-us",
        }
    )
)
seen["publish_notice"] = published["notice"]
details = ok(entry.variants().fetch("red", {"include_publish_details": "true"}))["entry"][
    "publish_details"
]
seen["published_versions"] = [d["version"] for d in details]
ok(
    entry.unpublish(
        {
            "entry": {
                "environments": ["production"],
                "locales": ["en-us"],
                "variants": [{"uid": "red", "version": 2}],
            },
            "locale": "en-us",
        }
    )
)
details = ok(
    stack.content_types("product")
    .entry(entry_uid)
    .variants()
    .fetch("red", {"include_publish_details": "true"})
)["entry"]["publish_details"]
seen["after_unpublish"] = details
seen["deleted_notice"] = ok(
    stack.content_types("product").entry(entry_uid).variants().delete(blue["uid"])
)["notice"]
seen["unlink_message"] = ok(
    stack.variant_group("colors").unlink_contenttypes(
        {
            "uid": "colors",
            "name": "Colors",
            "content_types": [{"uid": "product", "status": "unlinked"}],
        }
    )
)["message"]
seen["after_unlink"] = ok(stack.content_types("product").entry(entry_uid).variants().find())[
    "entries"
]
seen["group_deleted"] = ok(stack.variant_group("colors").delete())["notice"]
print(json.dumps(seen))
