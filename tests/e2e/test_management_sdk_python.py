"""The official Python management SDK (`contentstack-management`, from PyPI) against a real server."""

from __future__ import annotations

import secrets
from typing import Any

import contentstack_management
import pytest

from tests.conftest import MAIN_BRANCH, PASSWORD

pytestmark = pytest.mark.e2e

PRODUCT = {
    "content_type": {
        "title": "Product",
        "uid": "product",
        "schema": [
            {
                "display_name": "Title",
                "uid": "title",
                "data_type": "text",
                "mandatory": True,
                "unique": True,
            },
            {"display_name": "Price", "uid": "price", "data_type": "number"},
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


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture
def sdk(server: str, services: Any) -> contentstack_management.Client:
    from veneer.services import users

    email = f"sdk-{secrets.token_hex(5)}@example.com"
    users.create_user(services, email, PASSWORD, "Sdk", "User")
    client = contentstack_management.Client(host=server, scheme="http://", timeout=30)
    login = _ok(client.login(email, PASSWORD))
    assert login["notice"] == "Login Successful." and login["user"]["email"] == email
    return client


def test_full_management_flow(sdk: contentstack_management.Client) -> None:
    me = _ok(sdk.user().fetch())["user"]
    assert me["organizations"]
    stack_body = _ok(
        sdk.stack().create(None, {"stack": {"name": "SDK stack", "master_locale": "en-us"}}), 201
    )
    api_key = stack_body["stack"]["api_key"]
    stack = sdk.stack(api_key)
    assert _ok(stack.fetch())["stack"]["name"] == "SDK stack"

    env = _ok(stack.environments().create({"environment": {"name": "staging", "urls": []}}), 201)[
        "environment"
    ]
    assert _ok(stack.environments("staging").fetch())["environment"]["uid"] == env["uid"]
    locale = _ok(
        stack.locale().create({"locale": {"code": "fr-fr", "fallback_locale": "en-us"}}), 201
    )["locale"]
    assert locale["fallback_locale"] == "en-us"

    management = _ok(
        stack.management_token().create(
            {
                "token": {
                    "name": "ci",
                    "scope": [
                        {"module": "content_type", "acl": {"read": True, "write": True}},
                        MAIN_BRANCH,
                    ],
                }
            }
        ),
        201,
    )["token"]
    delivery = _ok(
        stack.delivery_token().create(
            {
                "token": {
                    "name": "site",
                    "scope": [
                        {
                            "module": "environment",
                            "environments": ["staging"],
                            "acl": {"read": True},
                        },
                        MAIN_BRANCH,
                    ],
                }
            }
        ),
        201,
    )["token"]
    assert (
        management["token"].startswith("cs")
        and delivery["scope"][0]["environments"][0]["uid"] == env["uid"]
    )
    listed = _ok(stack.delivery_token().find())["tokens"]
    assert [t["uid"] for t in listed] == [delivery["uid"]] and "token" not in listed[0]

    ct = _ok(stack.content_types().create(PRODUCT), 201)["content_type"]
    assert ct["uid"] == "product" and ct["_version"] == 1

    created = _ok(
        stack.content_types("product")
        .entry()
        .create({"entry": {"title": "Lamp", "price": 10, "specs": [{"name": "a"}, {"name": "b"}]}}),
        201,
    )["entry"]
    uid = created["uid"]
    entry = stack.content_types("product").entry(uid)
    updated = _ok(entry.update({"entry": {"price": 12}}))["entry"]
    assert updated["_version"] == 2 and updated["price"] == 12 and updated["title"] == "Lamp"
    localized = _ok(entry.localize({"entry": {"title": "Lampe"}}, locale="fr-fr"))["entry"]
    assert localized["locale"] == "fr-fr" and localized["title"] == "Lampe"

    published = _ok(
        entry.publish(
            {
                "entry": {"environments": ["staging"], "locales": ["en-us", "fr-fr"]},
                "locale": "en-us",
                "version": 2,
            }
        )
    )
    assert published["notice"] == "The requested action has been performed."
    fetched = _ok(entry.fetch())["entry"]
    assert fetched["price"] == 12

    # The management token works as the `authorization` header, the SDK's management_token option.
    token_client = contentstack_management.Client(
        host=sdk.client.endpoint.split("//")[1].split("/")[0],
        scheme="http://",
        management_token=management["token"],
    )
    listed_entries = _ok(token_client.stack(api_key).content_types("product").entry().find())[
        "entries"
    ]
    assert [e["uid"] for e in listed_entries] == [uid]
    _ok(
        entry.unpublish(
            {"entry": {"environments": ["staging"], "locales": ["fr-fr"]}, "locale": "en-us"}
        )
    )
    # `entry` still carries locale=fr-fr from localize(): that deletes only the French localization.
    assert _ok(entry.delete())["notice"] == "Entry deleted successfully."
    assert _ok(stack.content_types("product").entry(uid).fetch())["entry"]["locale"] == "en-us"
    _ok(stack.content_types("product").entry(uid).delete())
    assert stack.content_types("product").entry(uid).fetch().status_code == 422
