"""Delete in the editor (issue 17, Major 6), on both databases, without a browser: an entry goes
to the trash and leaves every list, query and delivery at once; restoring brings back its versions,
locales and entry variants (not its publications); variants and variant groups are deleted only
through their confirmation; a publish or unpublish is scheduled from the dialog, listed on the
entry, and cancelled there."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api.test_scale_costs import N, Stack, compare
from tests.conftest import MAIN_BRANCH, Api
from tests.cost import Cost, measure
from tests.web.conftest import UI
from tests.web.formdata import MultiDict
from tests.web.test_pages import PAGE, make_page, make_variant_site
from veneer import ids
from veneer.services import publishing

PRODUCTION = {"module": "environment", "environments": ["production"], "acl": {"read": True}}


def delivery_token(api: Api) -> str:
    token = {"token": {"name": "web", "scope": [PRODUCTION, MAIN_BRANCH]}}
    return str(api.ok(api.post("/stacks/delivery_tokens", token), 201)["token"]["token"])


def delivered(ui: UI, token: str, uid: str) -> int:
    """The delivery API's status for one entry in production (422: not published there)."""
    return int(
        ui.http.get(
            f"/v3/content_types/page/entries/{uid}",
            params={"environment": "production"},
            headers={"api_key": ui.api.api_key, "access_token": token},
        ).status_code
    )


def publish(ui: UI, path: str, *extra: tuple[str, str]) -> Any:
    dialog = ui.form(path, form_id="publish-form")
    return ui.post(
        path + "/publish",
        MultiDict([*dialog.pairs, ("environments", "production"), ("action", "publish"), *extra]),
    )


def titles(api: Api) -> list[str]:
    found = api.ok(api.get("/content_types/page/entries", params={"query": '{"views": 1}'}))
    return sorted(e["title"] for e in found["entries"])


def test_trash_and_restore_an_entry(ui: UI) -> None:
    api = ui.api
    entry = make_variant_site(api)
    uid = entry["uid"]
    api.ok(api.post("/locales", {"locale": {"code": "fr-fr"}}), 201)
    api.ok(api.put(f"/content_types/page/entries/{uid}", {"entry": {"views": 1, "title": "Home"}}))
    french = {"entry": {"title": "Accueil", "views": 1}}
    api.ok(api.put(f"/content_types/page/entries/{uid}", french, params={"locale": "fr-fr"}))
    hola = {"entry": {"title": "Hola", "_variant": {}}}
    api.ok(api.put(f"/content_types/page/entries/{uid}/variants/es", hola), 201)
    make_page(api, "Other", views=1)
    token = delivery_token(api)
    path = f"{ui.entries('page')}/{uid}"
    assert publish(ui, path).status_code == 303 and delivered(ui, token, uid) == 200
    page = ui.http.get(path).text
    assert "Move “Home” to the trash?" in page and "with its 1 entry variant" in page

    form = ui.form(path, form_id="delete-form")
    assert form.get("confirm") == "delete"
    moved = ui.post(path + "/delete", form)
    assert moved.status_code == 303
    assert "notice=trashed" in moved.headers["location"]
    # Gone at once: the management read, a query, the editor's list, delivery.
    assert api.get(f"/content_types/page/entries/{uid}").status_code == 422
    assert titles(api) == ["Other"]
    listed = ui.http.get(moved.headers["location"]).text
    assert "The entry was moved to the trash." in listed and ">Home</a>" not in listed
    assert delivered(ui, token, uid) == 422
    trash = ui.http.get(f"/app/stacks/{api.api_key}/trash").text
    assert "1 entry in the trash" in trash and "Home" in trash and "en-us, fr-fr" in trash

    restore = ui.form(f"/app/stacks/{api.api_key}/trash", form_id="trash-restore-" + uid)
    back = ui.post(f"/app/stacks/{api.api_key}/trash/{uid}/restore", restore)
    assert back.status_code == 303 and "notice=restored" in back.headers["location"]
    assert "It is not published anywhere" in ui.http.get(back.headers["location"]).text
    stored = api.ok(
        api.get(f"/content_types/page/entries/{uid}", params={"include_publish_details": "true"})
    )["entry"]
    assert (stored["_version"], stored["publish_details"]) == (2, [])
    first = api.ok(api.get(f"/content_types/page/entries/{uid}", params={"version": "1"}))
    assert first["entry"]["views"] == entry["views"]
    fr = api.ok(api.get(f"/content_types/page/entries/{uid}", params={"locale": "fr-fr"}))
    assert fr["entry"]["title"] == "Accueil"
    variant = api.ok(api.get(f"/content_types/page/entries/{uid}/variants/es"))["entry"]
    assert variant["title"] == "Hola"
    assert titles(api) == ["Home", "Other"]  # indexed again
    assert delivered(ui, token, uid) == 422  # publish state does not come back
    assert "The trash is empty." in ui.http.get(f"/app/stacks/{api.api_key}/trash").text


def test_trash_undo_from_the_entry_list(ui: UI) -> None:
    api = ui.api
    api.ok(api.post("/content_types", PAGE), 201)
    uid = make_page(api, "Home")["uid"]
    path = f"{ui.entries('page')}/{uid}"
    moved = ui.post(path + "/delete", ui.form(path, form_id="delete-form"))
    undo = ui.form(moved.headers["location"], form_id="undo-trash")
    assert ui.post(f"/app/stacks/{api.api_key}/trash/{uid}/restore", undo).status_code == 303
    assert api.ok(api.get(f"/content_types/page/entries/{uid}"))["entry"]["title"] == "Home"


def test_delete_needs_its_confirmation(ui: UI) -> None:
    api = ui.api
    api.ok(api.post("/content_types", PAGE), 201)
    uid = make_page(api, "Home")["uid"]
    path = f"{ui.entries('page')}/{uid}"
    form = ui.form(path, form_id="delete-form")
    unconfirmed = MultiDict([(k, v) for k, v in form.pairs if k != "confirm"])
    refused = ui.post(path + "/delete", unconfirmed)
    assert (
        refused.status_code == 422 and "Confirm that the entry should be deleted." in refused.text
    )
    assert api.get(f"/content_types/page/entries/{uid}").status_code == 200


def test_restore_refused_while_a_unique_value_is_taken(ui: UI) -> None:
    api = ui.api
    api.ok(api.post("/content_types", PAGE), 201)  # its title is unique
    uid = make_page(api, "Home")["uid"]
    path = f"{ui.entries('page')}/{uid}"
    ui.post(path + "/delete", ui.form(path, form_id="delete-form"))
    taken = make_page(api, "Home")["uid"]
    trash = f"/app/stacks/{api.api_key}/trash"
    restore = ui.form(trash, form_id="trash-restore-" + uid)
    refused = ui.post(trash + f"/{uid}/restore", restore)
    assert refused.status_code == 422 and "not unique" in refused.text
    assert "1 entry in the trash" in refused.text  # still there, nothing half-restored
    assert api.get(f"/content_types/page/entries/{uid}").status_code == 422
    api.ok(api.delete(f"/content_types/page/entries/{taken}"))
    assert ui.post(trash + f"/{uid}/restore", restore).status_code == 303
    assert api.ok(api.get(f"/content_types/page/entries/{uid}"))["entry"]["title"] == "Home"
    again = ui.post(trash + f"/{uid}/restore", restore)
    assert again.status_code == 404 and "not in the trash" in again.text


def test_api_delete_keeps_contentstack_meaning(ui: UI) -> None:
    api = ui.api
    api.ok(api.post("/content_types", PAGE), 201)
    uid = make_page(api, "Home")["uid"]
    api.ok(api.delete(f"/content_types/page/entries/{uid}"))
    assert "The trash is empty." in ui.http.get(f"/app/stacks/{api.api_key}/trash").text


def test_deleting_the_content_type_empties_its_trash(ui: UI) -> None:
    api = ui.api
    api.ok(api.post("/content_types", PAGE), 201)
    uid = make_page(api, "Home")["uid"]
    path = f"{ui.entries('page')}/{uid}"
    ui.post(path + "/delete", ui.form(path, form_id="delete-form"))
    api.ok(api.delete("/content_types/page"))
    assert "The trash is empty." in ui.http.get(f"/app/stacks/{api.api_key}/trash").text


def test_trash_pages(ui: UI, monkeypatch: Any) -> None:
    from veneer.services import trash

    monkeypatch.setattr(trash, "TRASH_PAGE", 2)
    api = ui.api
    api.ok(api.post("/content_types", PAGE), 201)
    for n in range(3):
        uid = make_page(api, f"Page {n}")["uid"]
        path = f"{ui.entries('page')}/{uid}"
        ui.post(path + "/delete", ui.form(path, form_id="delete-form"))
    first = ui.http.get(f"/app/stacks/{api.api_key}/trash").text
    second = ui.http.get(f"/app/stacks/{api.api_key}/trash", params={"page": "2"}).text
    assert "3 entries in the trash" in first and "Page 1 of 2" in first
    assert [n for n in range(3) if f">Page {n}\n" in first] == [1, 2]  # newest first
    assert [n for n in range(3) if f">Page {n}\n" in second] == [0]


# -- variants and groups --------------------------------------------------------------------------


def test_variant_and_group_deletes_ask_first(ui: UI) -> None:
    api = ui.api
    entry = make_variant_site(api)
    api.ok(api.post("/variant_groups/audiences/variants", {"name": "French", "uid": "fr"}), 201)
    hola = {"entry": {"title": "Hola", "_variant": {}}}
    api.ok(api.put(f"/content_types/page/entries/{entry['uid']}/variants/es", hola), 201)
    base = f"/app/stacks/{api.api_key}/variant-groups"
    page = ui.http.get(base).text
    assert "Delete the variant “Spanish”?" in page
    assert "Delete the variant group “Audiences”?" in page and "Its 2 variants go with it" in page
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    refused = ui.http.post(base + "/audiences/variants/es/delete", data={"csrf": csrf})
    assert refused.status_code == 422
    assert api.get(f"/content_types/page/entries/{entry['uid']}/variants/es").status_code == 200
    dialog = ui.form(base, form_id="delete-variant-es-form")
    done = ui.post(base + "/audiences/variants/es/delete", dialog)
    assert done.status_code == 303 and "notice=variant_deleted" in done.headers["location"]
    assert api.get(f"/content_types/page/entries/{entry['uid']}/variants/es").status_code == 422
    assert "Variant deleted" in ui.http.get(done.headers["location"]).text
    group = ui.post(
        base + "/audiences/delete", ui.form(base, form_id="delete-group-audiences-form")
    )
    assert group.status_code == 303
    assert api.get("/variant_groups/audiences").status_code == 422
    assert "No variant groups yet." in ui.http.get(base).text


# -- scheduling -------------------------------------------------------------------------------------


def test_schedule_publish_list_cancel_and_run(ui: UI, services: Any) -> None:
    api = ui.api
    api.ok(api.post("/content_types", PAGE), 201)
    api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)
    token = delivery_token(api)
    uid = make_page(api, "Home")["uid"]
    other = make_page(api, "Other")["uid"]
    path = f"{ui.entries('page')}/{uid}"
    assert "Nothing scheduled." in ui.http.get(path).text
    soon = datetime.now(UTC) + timedelta(hours=1)
    local = (soon + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")  # a browser at UTC+2
    queued = publish(ui, path, ("scheduled_at", local), ("tz_offset", "-120"))
    assert queued.status_code == 303 and "notice=scheduled" in queued.headers["location"]
    page = ui.http.get(queued.headers["location"]).text
    assert f'<time datetime="{soon.strftime("%Y-%m-%dT%H:%M")}:00.000Z" data-local-time>' in page
    assert "<strong>Publish</strong>" in page and "production · en-us · by you" in page
    assert delivered(ui, token, uid) == 422  # not yet
    # another entry's schedule is not this one's
    publish(ui, f"{ui.entries('page')}/{other}", ("scheduled_at", local), ("tz_offset", "-120"))
    assert ui.http.get(path).text.count("<strong>Publish</strong>") == 1
    cancel = ui.form(path, form_id="cancel-schedule-1")
    job = cancel.get("job")
    cancelled = ui.post(f"{path}/schedules/{job}/cancel", cancel)
    assert (
        cancelled.status_code == 303
        and "notice=schedule_cancelled" in cancelled.headers["location"]
    )
    assert "Nothing scheduled." in ui.http.get(path).text
    again = ui.post(f"{path}/schedules/{job}/cancel", cancel)
    assert again.status_code == 404 and "not pending any more" in again.text
    unpublish_at = soon.strftime("%Y-%m-%dT%H:%M")
    dialog = ui.form(path, form_id="publish-form")
    ui.post(
        path + "/publish",
        MultiDict([*dialog.pairs, ("environments", "production"), ("action", "publish")]),
    )
    ui.post(
        path + "/publish",
        MultiDict(
            [
                *dialog.pairs,
                ("environments", "production"),
                ("action", "unpublish"),
                ("scheduled_at", unpublish_at),
            ]
        ),
    )
    assert "<strong>Unpublish</strong>" in ui.http.get(path).text
    assert delivered(ui, token, uid) == 200 and delivered(ui, token, other) == 422
    later = ids.format_time(datetime.now(UTC) + timedelta(hours=2))
    publishing.run_due_jobs(services, now=later)
    assert delivered(ui, token, uid) == 422  # the scheduled unpublish ran
    assert delivered(ui, token, other) == 200  # and the other entry's scheduled publish
    assert "Nothing scheduled." in ui.http.get(path).text


def test_schedule_in_the_past_is_refused(ui: UI) -> None:
    api = ui.api
    api.ok(api.post("/content_types", PAGE), 201)
    api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)
    uid = make_page(api, "Home")["uid"]
    path = f"{ui.entries('page')}/{uid}"
    past = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = publish(ui, path, ("scheduled_at", past), ("tz_offset", "0"))
    assert refused.status_code == 422 and "Schedule for is not in the future" in refused.text
    assert "data-modal-on-load" in refused.text
    garbled = publish(ui, path, ("scheduled_at", "next tuesday"), ("tz_offset", "0"))
    assert garbled.status_code == 422 and "Schedule for must be a date and time." in garbled.text
    edge = publish(ui, path, ("scheduled_at", "9999-12-31T23:59"), ("tz_offset", "900"))
    assert edge.status_code == 422 and "Schedule for must be a date and time." in edge.text
    assert "Nothing scheduled." in ui.http.get(path).text


def test_trashing_cancels_pending_schedules(ui: UI, services: Any) -> None:
    api = ui.api
    api.ok(api.post("/content_types", PAGE), 201)
    api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)
    uid = make_page(api, "Home")["uid"]
    path = f"{ui.entries('page')}/{uid}"
    at = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    publish(ui, path, ("scheduled_at", at), ("tz_offset", "0"))
    page = ui.http.get(path).text
    assert "its 1 pending schedule is cancelled" in page
    ui.post(path + "/delete", ui.form(path, form_id="delete-form"))
    trash = f"/app/stacks/{api.api_key}/trash"
    ui.post(trash + f"/{uid}/restore", ui.form(trash, form_id="trash-restore-" + uid))
    assert "Nothing scheduled." in ui.http.get(path).text


# -- cost ---------------------------------------------------------------------------------------------


def test_trash_restore_and_schedules_cost_the_same_at_n_and_4n(ui: UI, services: Any) -> None:
    """Trashing, listing the trash, restoring, scheduling and cancelling touch one entry's rows
    by key: the same statements, and no scan, with N entries in the type as with 4N."""
    stack = Stack(ui.api, services, variants=True)
    trash = f"/app/stacks/{ui.api.api_key}/trash"
    at = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    costs: dict[str, list[Cost]] = {}
    for size in (N, 4 * N):
        stack.grow(size)
        uid = stack.entry()
        path = f"{ui.entries('page')}/{uid}"
        form = ui.form(path, form_id="delete-form")
        csrf = MultiDict([("csrf", form.get("csrf"))])
        steps: dict[str, Callable[[], Any]] = {
            "trash": lambda: ui.post(path + "/delete", form),  # noqa: B023
            "trash page": lambda: ui.http.get(trash),
            "restore": lambda: ui.post(f"{trash}/{uid}/restore", csrf),  # noqa: B023
            "schedule": lambda: publish(ui, path, ("scheduled_at", at), ("tz_offset", "0")),  # noqa: B023
            "entry page": lambda: ui.http.get(path),  # noqa: B023
        }
        for name, step in steps.items():
            with measure(services.store) as cost:
                assert step().status_code in (200, 303)
            costs.setdefault(name, []).append(cost)
    assert {name: compare(name, *pair) for name, pair in costs.items()} == {
        name: [] for name in costs
    }


def test_an_entry_made_in_another_locale_only_is_trashed_and_restored(ui: UI) -> None:
    api = ui.api
    api.ok(api.post("/content_types", PAGE), 201)
    api.ok(api.post("/locales", {"locale": {"code": "fr-fr"}}), 201)
    body = {"entry": {"title": "Seulement"}}
    made = api.post("/content_types/page/entries", body, params={"locale": "fr-fr"})
    uid = api.ok(made, 201)["entry"]["uid"]
    path = f"{ui.entries('page')}/{uid}?locale=fr-fr"
    form = ui.form(path, form_id="delete-form")
    moved = ui.post(f"{ui.entries('page')}/{uid}/delete?locale=fr-fr", form)
    assert moved.status_code == 303
    trash = ui.http.get(f"/app/stacks/{api.api_key}/trash").text
    assert "Seulement" in trash and "· fr-fr ·" in trash
    restore = ui.form(f"/app/stacks/{api.api_key}/trash", form_id="trash-restore-" + uid)
    assert ui.post(f"/app/stacks/{api.api_key}/trash/{uid}/restore", restore).status_code == 303
    back = api.ok(api.get(f"/content_types/page/entries/{uid}", params={"locale": "fr-fr"}))
    assert back["entry"]["title"] == "Seulement"


def test_restore_refused_when_the_uid_is_taken_again(ui: UI, services: Any) -> None:
    """An import may bring an entry with a trashed entry's uid: restoring it then is refused."""
    api = ui.api
    api.ok(api.post("/content_types", PAGE), 201)
    doc = make_page(api, "Home", views=1)
    uid = doc["uid"]
    path = f"{ui.entries('page')}/{uid}"
    ui.post(path + "/delete", ui.form(path, form_id="delete-form"))
    with services.store.write() as tx:
        tx.entries.save(api.api_key, "page", {**doc, "title": "Imported"}, new=True)
    trash = f"/app/stacks/{api.api_key}/trash"
    refused = ui.post(trash + f"/{uid}/restore", ui.form(trash, form_id="trash-restore-" + uid))
    assert refused.status_code == 422 and "Another entry now has this entry" in refused.text
    stored = api.ok(api.get(f"/content_types/page/entries/{uid}"))["entry"]
    assert stored["title"] == "Imported"
    assert "1 entry in the trash" in ui.http.get(trash).text


def test_deleting_an_entry_variant_asks_first(ui: UI) -> None:
    api = ui.api
    entry = make_variant_site(api)
    uid = entry["uid"]
    path = f"{ui.entries('page')}/{uid}/variants/es"
    assert "Delete variant values…" not in ui.http.get(path).text  # nothing of its own yet
    hola = {"entry": {"title": "Hola", "_variant": {}}}
    api.ok(api.put(f"/content_types/page/entries/{uid}/variants/es", hola), 201)
    page = ui.http.get(path).text
    assert "Delete the Spanish values of “Home”?" in page
    form = ui.form(path, form_id="delete-variant-form")
    unconfirmed = MultiDict([(k, v) for k, v in form.pairs if k != "confirm"])
    assert ui.post(path + "/delete", unconfirmed).status_code == 422
    assert api.get(f"/content_types/page/entries/{uid}/variants/es").status_code == 200
    done = ui.post(path + "/delete", form)
    assert done.status_code == 303 and "notice=variant_deleted" in done.headers["location"]
    assert api.get(f"/content_types/page/entries/{uid}/variants/es").status_code == 422
    shown = ui.http.get(done.headers["location"]).text
    assert "inherits the base entry again" in shown and 'value="Home"' in shown


def test_delete_forever_from_the_trash_asks_first(ui: UI) -> None:
    api = ui.api
    api.ok(api.post("/content_types", PAGE), 201)
    uid = make_page(api, "Home")["uid"]
    path = f"{ui.entries('page')}/{uid}"
    ui.post(path + "/delete", ui.form(path, form_id="delete-form"))
    trash = f"/app/stacks/{api.api_key}/trash"
    assert "Delete “Home” for good?" in ui.http.get(trash).text
    form = ui.form(trash, form_id=f"forget-{uid}-form")
    unconfirmed = MultiDict([(k, v) for k, v in form.pairs if k != "confirm"])
    assert ui.post(f"{trash}/{uid}/delete", unconfirmed).status_code == 422
    assert "1 entry in the trash" in ui.http.get(trash).text
    gone = ui.post(f"{trash}/{uid}/delete", form)
    assert gone.status_code == 303
    after = ui.http.get(gone.headers["location"]).text
    assert "The entry was deleted for good." in after and "The trash is empty." in after
    again = ui.post(f"{trash}/{uid}/restore", form)
    assert again.status_code == 404 and "not in the trash" in again.text
