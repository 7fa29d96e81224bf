"""Documents that more than one operation builds."""

from __future__ import annotations

from typing import Any

LOCALE_NAMES = {
    "en-us": "English - United States",
    "fr-fr": "French - France",
    "de-de": "German - Germany",
    "es-es": "Spanish - Spain",
    "en-gb": "English - United Kingdom",
    "it-it": "Italian - Italy",
    "ja-jp": "Japanese - Japan",
    "pt-br": "Portuguese - Brazil",
    "fr-ca": "French - Canada",
}


def locale_doc(
    uid: str, code: str, name: str, fallback: str | None, user: str, now: str
) -> dict[str, Any]:
    """A new locale (a stack's master locale, or one added later)."""
    return {
        "code": code,
        "name": name,
        "fallback_locale": fallback,
        "uid": uid,
        "created_by": user,
        "updated_by": user,
        "created_at": now,
        "updated_at": now,
        "ACL": [],
        "_version": 1,
    }
