"""The pure part of webhooks (domain/webhooks.py): channels fired by each kind of event, the
channels a definition may name, the back-off, the signature and the body. Table-driven."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest

from veneer.domain import webhooks as hooks
from veneer.errors import ValidationFailed

H = hooks.Happening


@pytest.mark.parametrize(
    ("event_type", "environment", "expected"),
    [
        ("entry_created", "", H("entry", "create")),
        ("entry_updated", "", H("entry", "update")),
        ("entry_deleted", "", H("entry", "delete")),
        ("entry_deleted", "bltenv", H("entry", "unpublish")),
        ("entry_published", "bltenv", H("entry", "publish")),
        ("entry_unpublished", "bltenv", H("entry", "unpublish")),
        ("asset_published", "bltenv", H("asset", "publish")),
        ("asset_deleted", "", H("asset", "delete")),
        ("content_type_updated", "", H("content_type", "update")),
    ],
)
def test_an_event_type_is_a_module_and_an_action(
    event_type: str, environment: str, expected: hooks.Happening
) -> None:
    assert hooks.happening(event_type, environment) == expected


@pytest.mark.parametrize(
    ("what", "given", "expected"),
    [
        (
            H("entry", "create"),
            {"content_type": "page", "uid": "blt1"},
            {"content_types.entries.create", "content_types.page.entries.create"},
        ),
        (
            H("entry", "update"),
            {"content_type": "page", "uid": "blt1"},
            {
                "content_types.entries.update",
                "content_types.page.entries.update",
                "content_types.page.entries.blt1.update",
            },
        ),
        (
            H("entry", "publish"),
            {"content_type": "page", "uid": "blt1", "environments": ("bltenv", "production")},
            {
                "content_types.entries.publish",
                "content_types.page.entries.publish",
                "content_types.page.entries.blt1.publish",
                "content_types.entries.environments.bltenv.publish.success",
                "content_types.entries.environments.production.publish.success",
                "content_types.page.entries.environments.bltenv.publish.success",
                "content_types.page.entries.environments.production.publish.success",
            },
        ),
        (
            H("entry", "publish"),
            {"content_type": "page", "uid": "blt1", "variant": "csred", "environments": ("e",)},
            {
                "content_types.entries.variants.publish",
                "content_types.page.entries.variants.publish",
                "content_types.page.entries.blt1.variants.publish",
            },
        ),
        (H("asset", "create"), {"uid": "blta"}, {"assets.create"}),
        (
            H("asset", "unpublish"),
            {"uid": "blta", "environments": ("bltenv",)},
            {
                "assets.unpublish",
                "assets.blta.unpublish",
                "assets.environments.bltenv.unpublish.success",
            },
        ),
        (H("content_type", "create"), {"content_type": "page"}, {"content_types.create"}),
        (
            H("content_type", "delete"),
            {"content_type": "page"},
            {"content_types.delete", "content_types.page.delete"},
        ),
    ],
)
def test_the_channels_an_event_fires(
    what: hooks.Happening, given: dict[str, Any], expected: set[str]
) -> None:
    fired = hooks.channels_of(what, **given)
    assert fired == expected
    assert all(hooks.valid_channel(channel) for channel in fired)


@pytest.mark.parametrize(
    ("channel", "valid"),
    [
        ("content_types.entries.publish", True),
        ("content_types.blog_post.entries.bltabc.update", True),
        ("content_types.entries.environments.production.publish.success", True),
        ("assets.environments.bltenv.unpublish.success", True),
        ("content_types.page.entries.bltabc.create", False),  # an entry is created once
        ("entries.publish", False),
        ("content_types.entries.publish.success", False),
        ("assets.bltabc.create", False),
        ("", False),
    ],
)
def test_which_channels_a_definition_may_name(channel: str, valid: bool) -> None:
    assert hooks.valid_channel(channel) is valid


@pytest.mark.parametrize(
    ("failed", "base", "delay"),
    [
        (1, 5.0, 5.0),
        (2, 5.0, 25.0),
        (3, 5.0, 125.0),
        (4, 5.0, 625.0),
        (5, 5.0, None),
        (2, 0.01, 0.05),
    ],
)
def test_contentstacks_back_off(failed: int, base: float, delay: float | None) -> None:
    found = hooks.retry_delay(failed, base)
    assert found == pytest.approx(delay) if delay is not None else found is None


def test_the_signature_is_hmac_sha256_of_the_exact_bytes() -> None:
    body = b'{"event":"publish"}'
    expected = hmac.new(b"k" * 32, body, hashlib.sha256).hexdigest()
    assert hooks.signature("k" * 32, body) == "sha256=" + expected
    assert hooks.signature("k" * 32, body + b" ") != "sha256=" + expected


def test_the_body_of_a_publish() -> None:
    subject = hooks.Subject(
        doc={"uid": "blt1", "locale": "en-us", "_version": 2, "title": "T"},
        content_type={"uid": "page", "title": "Page", "schema": []},
        environment={"uid": "bltenv", "name": "production", "urls": []},
        locale="en-us",
    )
    full = hooks.body(
        "bltkey", H("entry", "publish"), subject, "2026-01-01T00:00:00.000Z", concise=False
    )
    assert full == {
        "module": "entry",
        "api_key": "bltkey",
        "data": {
            "entry": subject.doc,
            "content_type": subject.content_type,
            "environment": subject.environment,
            "action": "publish",
            "status": "success",
            "locale": "en-us",
        },
        "event": "publish",
        "triggered_at": "2026-01-01T00:00:00.000Z",
    }
    short = hooks.body("bltkey", H("entry", "publish"), subject, "t", concise=True)["data"]
    assert short["entry"] == {"uid": "blt1", "locale": "en-us", "_version": 2}
    assert short["environment"] == {"uid": "bltenv", "name": "production"}


def test_a_definition_gets_defaults_and_keeps_a_masked_password() -> None:
    made = hooks.definition(
        {
            "name": "N",
            "destinations": [
                {
                    "target_url": "https://x.example/h",
                    "http_basic_auth": "u",
                    "http_basic_password": "p",
                }
            ],
            "channels": ["assets.create", "assets.create"],
        }
    )
    assert made["channels"] == ["assets.create"]
    assert (made["retry_policy"], made["disabled"], made["concise_payload"]) == (
        "manual",
        False,
        False,
    )
    shown = hooks.shown(made)
    assert shown["destinations"][0]["http_basic_password"] == hooks.MASK
    again = hooks.definition({"destinations": shown["destinations"]}, made)
    assert again["destinations"][0]["http_basic_password"] == "p"


def test_a_definition_names_every_missing_field() -> None:
    with pytest.raises(ValidationFailed) as refused:
        hooks.definition({})
    assert set(refused.value.errors) == {"name", "destinations", "channels"}


@pytest.mark.parametrize("policy", ["manual", "automatic", "auto"])
def test_retry_policies(policy: str) -> None:
    """`automatic` as the JS management SDK's suite sends it (Contentstack's name), kept as sent."""
    body = {
        "name": "N",
        "destinations": [{"target_url": "https://x.example/h"}],
        "channels": ["assets.create"],
        "retry_policy": policy,
    }
    assert hooks.definition(body)["retry_policy"] == policy


def test_an_unknown_retry_policy_is_refused() -> None:
    body = {
        "name": "N",
        "destinations": [{"target_url": "https://x.example/h"}],
        "channels": ["assets.create"],
        "retry_policy": "sometimes",
    }
    with pytest.raises(ValidationFailed) as refused:
        hooks.definition(body)
    assert refused.value.errors == {"retry_policy": ["must be manual or automatic."]}
