"""`/personalize/…`: the Personalize Management API calls Contentstack's CLI makes to export and
import entry variants, answered from the stack's variant groups (services.personalize).
Personalize answers bare JSON: a list, or the object itself."""

from __future__ import annotations

from typing import Any

from veneer.api.call import Call, created, endpoint
from veneer.services import personalize


def _project(call: Call) -> str | None:
    """The `x-project-uid` header (a stack's api key); the `api_key` header will do too."""
    return call.header("x-project-uid") or call.api_key


@endpoint
def list_projects(call: Call) -> Any:
    connected = call.params.get("connectedStackApiKey")
    org = call.header("organization_uid") or call.params.get("organization_uid")
    return personalize.list_projects(call.services, call.actor(), connected, org)


@endpoint
def create_project(call: Call) -> Any:
    return created(personalize.create_project(call.services, call.actor(), call.body))


@endpoint
def list_experiences(call: Call) -> Any:
    return personalize.list_experiences(call.services, call.actor(), _project(call))


@endpoint
def create_experience(call: Call) -> Any:
    body = personalize.create_experience(call.services, call.actor(), _project(call), call.body)
    return created(body)


@endpoint
def get_experience(call: Call) -> dict[str, Any]:
    return personalize.get_experience(
        call.services, call.actor(), _project(call), call.path("experience")
    )


@endpoint
def list_versions(call: Call) -> Any:
    return personalize.list_versions(
        call.services, call.actor(), _project(call), call.path("experience")
    )


@endpoint
def create_version(call: Call) -> Any:
    version = personalize.put_version(
        call.services, call.actor(), _project(call), call.path("experience"), None, call.body
    )
    return created(version)


@endpoint
def update_version(call: Call) -> dict[str, Any]:
    return personalize.put_version(
        call.services,
        call.actor(),
        _project(call),
        call.path("experience"),
        call.path("experience_version"),
        call.body,
    )


@endpoint
def list_nothing(call: Call) -> Any:
    """Audiences, attributes and events: Veneer keeps none (the project is still checked)."""
    personalize.check_project(call.services, call.actor(), _project(call))
    return []


@endpoint
def create_nothing(call: Call) -> Any:
    what = call.request.url.path.rstrip("/").rsplit("/", 1)[-1]
    personalize.refuse_create(call.services, call.actor(), _project(call), what)
    return None  # never reached: refuse_create raises
