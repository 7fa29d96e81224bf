"""Minor items of issue 17 in the editor, without a browser, on both databases: the sidebar's
publications in every locale; variant-only and removed instances in a variant's editor; merging a
stale save. tests/web/test_browser_minors.py drives the same in Chromium."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from tests.conftest import Api
from tests.web.conftest import UI
from tests.web.formdata import serialize
from tests.web.test_pages import PAGE

ENTRIES = "/content_types/page/entries"


def publications(html: str) -> list[tuple[str, ...]]:
    """The sidebar's publishing table: (what, environment, locale, version) per row."""
    table = re.search(r'<table class="compact" id="publish-status">(.*?)</table>', html, re.DOTALL)
    assert table, html
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1), re.DOTALL)[1:]  # after the head
    cells = [re.findall(r"<td>(.*?)</td>", row, re.DOTALL) for row in rows]
    return [tuple(" ".join(unescape(re.sub(r"<[^>]+>", "", c)).split()) for c in r) for r in cells]


def variant_stack(api: Api) -> dict[str, Any]:
    """A stack with the page type, fr-fr (falling back to en-us), production, a variant Fans of
    the group Audiences; and an entry Home, in en-us."""
    api.ok(api.post("/content_types", PAGE), 201)
    api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)
    french = {"locale": {"code": "fr-fr", "name": "French", "fallback_locale": "en-us"}}
    api.ok(api.post("/locales", french), 201)
    group = {"name": "Audiences", "uid": "audiences", "content_types": ["page"]}
    api.ok(api.post("/variant_groups", group), 201)
    api.ok(api.post("/variant_groups/audiences/variants", {"uid": "fans", "name": "Fans"}), 201)
    return api.ok(api.post(ENTRIES, {"entry": {"title": "Home"}}), 201)["entry"]


def publish(api: Api, uid: str, *locales: str) -> None:
    body = {
        "entry": {
            "environments": ["production"],
            "locales": list(locales),
            "variants": [{"uid": "fans"}],
            "variant_rules": {"publish_latest_base": True},
        },
        "locale": "en-us",
    }
    api.ok(api.post(f"{ENTRIES}/{uid}/publish", body))


def test_the_sidebar_shows_variant_publications_in_every_locale(ui: UI) -> None:
    """Issue 17 Minor: in fr-fr the sidebar hid the publications of variants stored in en-us only
    (published to fr-fr through its fallback). Both locales list the same rows; a row is marked
    outdated against the variant version a publish in its locale would take."""
    api = ui.api
    uid = variant_stack(api)["uid"]
    fans = f"{ENTRIES}/{uid}/variants/fans"
    api.ok(api.put(fans, {"entry": {"title": "Home for fans", "_variant": {}}}), 201)
    publish(api, uid, "en-us", "fr-fr")
    editor = ui.entries("page") + f"/{uid}"
    published = [
        ("Base entry", "production", "en-us", "v1"),
        ("Base entry", "production", "fr-fr", "v1"),
        ("Fans", "production", "en-us", "v1"),
        ("Fans", "production", "fr-fr", "v1"),
    ]
    for locale in ("en-us", "fr-fr"):
        assert publications(ui.http.get(editor, params={"locale": locale}).text) == published
        page = ui.http.get(f"{editor}/variants/fans", params={"locale": locale})
        assert publications(page.text) == published

    # Fans saved again in en-us: both rows publish en-us values, so both are outdated.
    api.ok(api.put(fans, {"entry": {"title": "Home for all fans", "_variant": {}}}))
    outdated = [
        *published[:2],
        ("Fans", "production", "en-us", "v1 latest v2"),
        ("Fans", "production", "fr-fr", "v1 latest v2"),
    ]
    for locale in ("en-us", "fr-fr"):
        assert publications(ui.http.get(editor, params={"locale": locale}).text) == outdated

    # Fans gets fr-fr values of its own, published there: fr-fr is up to date, en-us is not.
    api.ok(api.put(f"{ENTRIES}/{uid}", {"entry": {"title": "Accueil"}}, params={"locale": "fr-fr"}))
    french = {"entry": {"title": "Accueil des fans", "_variant": {}}}
    api.ok(api.put(fans, french, params={"locale": "fr-fr"}), 201)
    publish(api, uid, "fr-fr")
    rows = publications(ui.http.get(editor, params={"locale": "fr-fr"}).text)
    assert rows[2:] == [
        ("Fans", "production", "en-us", "v1 latest v2"),
        ("Fans", "production", "fr-fr", "v1"),
    ]
    assert publications(ui.http.get(editor).text)[2:] == rows[2:]
    dialog = ui.http.get(editor, params={"locale": "fr-fr"}).text
    assert "Published now" in dialog and dialog.count("<td>Fans</td>") == 4  # sidebar + dialog


def tags(html: str) -> dict[str, str]:
    """{data-vpath: tag} of the fields of the editor's form that wear one."""
    form = html.split('<form id="entry-form"')[1].split("</form>")[0]
    form = re.sub(r"<template.*?</template>", "", form, flags=re.DOTALL)
    found = re.findall(
        r'data-vpath="([^"]+)">\s*<div class="field-head">.*?<span class="tag ([a-z-]+)">',
        form,
        re.DOTALL,
    )
    return dict(found)


def variant_with_own_and_removed(api: Api) -> tuple[str, str, str, str]:
    """Home with items a, b, c; Fans removes b and adds an instance of its own, label left empty
    (uid mine). (entry uid, a, b, c uids)"""
    variant_stack(api)
    made = {"entry": {"title": "Shop", "items": [{"label": "a"}, {"label": "b"}, {"label": "c"}]}}
    entry = api.ok(api.post(ENTRIES, made), 201)["entry"]
    a, b, c = (i["_metadata"]["uid"] for i in entry["items"])
    body = {
        "entry": {
            "items": [{"_metadata": {"uid": "mine"}, "label": None}],
            "_variant": {"_order": [{"items": [f"base.{a}", "mine", f"base.{c}"]}]},
        }
    }
    api.ok(api.put(f"{ENTRIES}/{entry['uid']}/variants/fans", body), 201)
    return entry["uid"], a, b, c


def test_variant_only_instances_are_own_and_removed_ones_are_marked(ui: UI) -> None:
    """Issue 17 Minor: the fields of an instance only the variant has are its own (Variant
    Field, even empty, even in a new instance added in the form), never Inherited; a base
    instance the variant removed is shown where it was, read-only, marked "removed here"."""
    uid, a, b, c = variant_with_own_and_removed(ui.api)
    path = ui.entries("page") + f"/{uid}/variants/fans"
    html = ui.http.get(path).text
    found = tags(html)
    assert found["items.mine.label"] == "variant-field"
    assert found[f"items.{a}.label"] == "inherited" and found["title"] == "inherited"
    template = re.search(r'<template id="f-items-new-item".*?</template>', html, re.DOTALL)
    assert (
        template and "Variant Field" in template.group(0) and "Inherited" not in template.group(0)
    )

    # The removed instance: between a and mine, as the base had it, in a disabled fieldset.
    form = html.split('<form id="entry-form"')[1].split("</form>")[0]
    form = re.sub(r"<template.*?</template>", "", form, flags=re.DOTALL)
    order = re.findall(
        r'<li class="(instance|removed-instance)[^"]*" id="[^"]+" data-vpath="items\.([^"]+)"', form
    )
    assert order == [
        ("instance", a),
        ("removed-instance", b),
        ("instance", "mine"),
        ("instance", c),
    ]
    removed = re.search(r'<li class="removed-instance".*?</li>\s*(?=<li)', form, re.DOTALL)
    assert (
        removed and "Removed here" in removed.group(0) and "<fieldset disabled" in removed.group(0)
    )
    assert 'value="b"' in removed.group(0) and f'name="restore" value="items.{b}"' in removed.group(
        0
    )
    assert "Variant Field" not in removed.group(0) and "Inherited" not in removed.group(0)
    # It is not part of the form: saving posts a, mine, c only (and changes nothing).
    posted = ui.form(path)
    assert posted.getlist("f.items[]") == ["", "k0", "k1", "k2"]
    assert not [name for name, _ in posted.pairs if ".r0." in name]
    same = ui.post(path, posted)
    assert same.status_code == 303 and "notice=unchanged" in same.headers["location"]

    # On the base entry nothing is marked removed.
    assert "removed-instance" not in ui.http.get(ui.entries("page") + f"/{uid}").text


def test_restore_puts_back_only_the_removed_instance(ui: UI) -> None:
    """ "Restore" (no JavaScript: the whole form is posted) puts the base instance back where
    the base has it, with the base values, and saves nothing else of the form."""
    api = ui.api
    uid, a, b, c = variant_with_own_and_removed(api)
    path = ui.entries("page") + f"/{uid}/variants/fans"
    form = ui.form(path)
    form.set("f.title", "Not saved")
    form.pairs.append(("restore", f"items.{b}"))
    done = ui.post(path, form)
    assert done.status_code == 303 and "notice=instance_restored" in done.headers["location"]
    stored = api.ok(api.get(f"{ENTRIES}/{uid}/variants/fans"))["entry"]
    assert stored["_version"] == 2 and "title" not in stored
    assert stored["_variant"]["_order"] == [
        {"items": [f"base.{a}", f"base.{b}", "mine", f"base.{c}"]}
    ]
    merged = api.ok(
        api.get(
            f"{ENTRIES}/{uid}",
            params={"variant_preview": "true"},
            headers={"x-cs-variant-uid": "fans"},
        )
    )["entry"]
    assert [i.get("label") for i in merged["items"]] == ["a", "b", None, "c"]
    page = ui.http.get(path + "?notice=instance_restored").text
    assert "removed-instance" not in page and "The instance is back" in page
    # Restoring what is not removed is refused, in the editor's words.
    again = ui.form(path)
    again.pairs.append(("restore", f"items.{b}"))
    refused = ui.post(path, again)
    assert refused.status_code == 422 and "cannot be restored" in unescape(refused.text)


def merge_rows(html: str) -> dict[str, tuple[str, str, str, str]]:
    """{field uid: (changed by, yours, theirs, the choice ticked)} of the merge table."""
    table = re.search(r'<table class="compact" id="merge-table">(.*?)</table>', html, re.DOTALL)
    assert table, html
    found = {}
    for uid, row in re.findall(r'<tr data-field="([^"]+)">(.*?)</tr>', table.group(1), re.DOTALL):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)
        text = [" ".join(unescape(re.sub(r"<[^>]+>", "", c)).split()) for c in cells[:3]]
        ticked = re.search(r'name="merge\.[^"]+" value="(mine|theirs)" checked', row)
        found[uid] = (*text, ticked.group(1) if ticked else "")
    return found


def test_a_stale_save_offers_a_merge_that_keeps_both_changes(ui: UI) -> None:
    """Issue 17 Minor: a stale save names who saved and which fields differ, and offers a merge
    per field (theirs for what only they changed, mine for what only I changed); saving it with
    the latest version number keeps both people's changes; nothing is lost."""
    api = ui.api
    api.ok(api.post("/content_types", PAGE), 201)
    made = {"entry": {"title": "Home", "views": 1, "items": [{"label": "a"}]}}
    entry = api.ok(api.post(ENTRIES, made), 201)["entry"]
    path = ui.entries("page") + f"/{entry['uid']}"
    form = ui.form(path)
    form.set("f.title", "Home (mine)")  # only I change the title
    form.set("f.items.k0.label", "mine")  # both change the items
    form.set("tags", "news")
    # Meanwhile someone changes the views and the items.
    theirs = {"entry": {"views": 2, "items": [{**entry["items"][0], "label": "theirs"}]}}
    api.ok(api.put(f"{ENTRIES}/{entry['uid']}", theirs))

    stale = ui.post(path, form)
    assert stale.status_code == 409
    text = unescape(stale.text)
    assert "You (in another tab or window, or through the API) saved version 2" in text
    assert "Fields that differ from what is stored now: Title, Views, Items." in text
    rows = merge_rows(stale.text)
    assert set(rows) == {"title", "views", "items", "tags"}
    assert rows["title"] == ("You", "Home (mine)", "Home", "mine")
    assert rows["views"] == ("They", "1", "2", "theirs")
    assert rows["items"][0] == "Both of you" and rows["items"][3] == "mine"
    assert '"label":"mine"' in rows["items"][1] and '"label":"theirs"' in rows["items"][2]
    assert rows["tags"] == ("You", '["news"]', "(empty)", "mine")

    # The form shows the defaults: my title, their views; and carries version 2.
    merged = serialize(stale.text, "entry-form")
    assert merged.get("f.title") == "Home (mine)" and merged.get("f.views") == "2"
    assert merged.get("base_version") == "2"
    # Take theirs for the items, keep the rest: both changes are saved.
    merged.set("merge.items", "theirs")
    done = ui.post(path, merged)
    assert done.status_code == 303 and "notice=saved" in done.headers["location"]
    stored = api.ok(api.get(f"{ENTRIES}/{entry['uid']}"))["entry"]
    assert stored["_version"] == 3
    assert (stored["title"], stored["views"], stored["tags"]) == ("Home (mine)", 2, ["news"])
    assert [i["label"] for i in stored["items"]] == ["theirs"]


def test_keep_mine_over_a_field_only_they_changed(ui: UI) -> None:
    """Choosing "keep mine" for a field the form shows with their value saves my value (posted
    back with the merge), and a merge that is stale again is refused again, not overwritten."""
    api = ui.api
    api.ok(api.post("/content_types", PAGE), 201)
    entry = api.ok(api.post(ENTRIES, {"entry": {"title": "Home", "views": 1}}), 201)["entry"]
    path = ui.entries("page") + f"/{entry['uid']}"
    form = ui.form(path)
    form.set("f.title", "Mine")
    api.ok(api.put(f"{ENTRIES}/{entry['uid']}", {"entry": {"views": 5}}))
    merged = serialize(ui.post(path, form).text, "entry-form")
    assert merged.get("f.views") == "5"
    merged.set("merge.views", "mine")
    api.ok(api.put(f"{ENTRIES}/{entry['uid']}", {"entry": {"views": 6}}))  # yet another save
    again = ui.post(path, merged)
    assert again.status_code == 409
    # Against version 2 the form now holds my choice: both changed the views; mine stays ticked.
    assert merge_rows(again.text)["views"] == ("Both of you", "1", "6", "mine")
    assert api.ok(api.get(f"{ENTRIES}/{entry['uid']}"))["entry"]["views"] == 6
    final = serialize(again.text, "entry-form")
    assert final.get("f.views") == "1" and final.get("f.title") == "Mine"
    assert ui.post(path, final).status_code == 303
    stored = api.ok(api.get(f"{ENTRIES}/{entry['uid']}"))["entry"]
    assert (stored["title"], stored["views"], stored["_version"]) == ("Mine", 1, 4)


def test_a_stale_variant_save_offers_the_same_merge(ui: UI) -> None:
    api = ui.api
    uid = variant_stack(api)["uid"]
    fans = f"{ENTRIES}/{uid}/variants/fans"
    api.ok(api.put(fans, {"entry": {"title": "For fans", "_variant": {}}}), 201)
    path = ui.entries("page") + f"/{uid}/variants/fans"
    form = ui.form(path)
    form.set("f.views", "10")  # mine: the views
    api.ok(api.put(fans, {"entry": {"title": "For all fans", "_variant": {}}}))  # theirs: the title
    stale = ui.post(path, form)
    assert stale.status_code == 409
    assert "saved this variant (version 2) after you opened it" in unescape(stale.text)
    rows = merge_rows(stale.text)
    assert rows == {
        "title": ("They", "For fans", "For all fans", "theirs"),
        "views": ("You", "10", "(empty)", "mine"),
    }
    merged = serialize(stale.text, "entry-form")
    assert (merged.get("f.title"), merged.get("variant_version")) == ("For all fans", "2")
    done = ui.post(path, merged)
    assert done.status_code == 303 and "notice=variant_saved" in done.headers["location"]
    stored = api.ok(api.get(fans))["entry"]
    assert (stored["_version"], stored["title"], stored["views"]) == (3, "For all fans", 10)
    assert sorted(stored["_variant"]["_change_set"]) == ["title", "views"]
