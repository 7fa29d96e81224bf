"""`/v3/environments` and `/v3/locales`."""

from __future__ import annotations

from typing import Any

from veneer.api.call import Call, collection, created, endpoint
from veneer.domain.listing import list_params
from veneer.services import environments, locales


@endpoint
def list_environments(call: Call) -> dict[str, Any]:
    page, count = environments.page_environments(
        call.services, call.actor(), call.api_key, list_params(call.params)
    )
    return collection("environments", page, count)


@endpoint
def get_environment(call: Call) -> dict[str, Any]:
    return {
        "environment": environments.get_environment(
            call.services, call.actor(), call.api_key, call.path("name")
        )
    }


@endpoint
def create_environment(call: Call) -> Any:
    env = environments.create_environment(
        call.services, call.actor(), call.api_key, call.section("environment")
    )
    return created({"notice": "Environment created successfully.", "environment": env})


@endpoint
def update_environment(call: Call) -> dict[str, Any]:
    env = environments.update_environment(
        call.services, call.actor(), call.api_key, call.path("name"), call.section("environment")
    )
    return {"notice": "Environment updated successfully.", "environment": env}


@endpoint
def delete_environment(call: Call) -> dict[str, Any]:
    environments.delete_environment(call.services, call.actor(), call.api_key, call.path("name"))
    return {"notice": "Environment deleted successfully."}


@endpoint
def list_locales(call: Call) -> dict[str, Any]:
    page, count = locales.page_locales(
        call.services, call.actor(), call.api_key, list_params(call.params)
    )
    return collection("locales", page, count)


@endpoint
def get_locale(call: Call) -> dict[str, Any]:
    return {
        "locale": locales.get_locale(call.services, call.actor(), call.api_key, call.path("code"))
    }


@endpoint
def create_locale(call: Call) -> Any:
    locale = locales.create_locale(
        call.services, call.actor(), call.api_key, call.section("locale")
    )
    return created({"notice": "Language added successfully.", "locale": locale})


@endpoint
def update_locale(call: Call) -> dict[str, Any]:
    locale = locales.update_locale(
        call.services, call.actor(), call.api_key, call.path("code"), call.section("locale")
    )
    return {"notice": "Language updated successfully.", "locale": locale}


@endpoint
def delete_locale(call: Call) -> dict[str, Any]:
    locales.delete_locale(call.services, call.actor(), call.api_key, call.path("code"))
    return {"notice": "Language removed successfully."}
