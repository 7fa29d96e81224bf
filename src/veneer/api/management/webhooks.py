"""`/v3/webhooks`: a stack's webhooks, their executions, and retrying one (docs/webhooks.md)."""

from __future__ import annotations

from typing import Any

from veneer.api.call import Call, collection, created, endpoint, imported_file
from veneer.domain.listing import list_params
from veneer.services import webhooks


@endpoint
def list_webhooks(call: Call) -> dict[str, Any]:
    page, count = webhooks.page_webhooks(
        call.services, call.actor(), call.api_key, list_params(call.params)
    )
    return collection("webhooks", page, count)


@endpoint
def get_webhook(call: Call) -> dict[str, Any]:
    found = webhooks.get_webhook(call.services, call.actor(), call.api_key, call.path("uid"))
    return {"webhook": found}


@endpoint
def create_webhook(call: Call) -> Any:
    made = webhooks.create_webhook(
        call.services, call.actor(), call.api_key, call.section("webhook")
    )
    return created({"notice": "The Webhook was created successfully", "webhook": made})


@endpoint
def update_webhook(call: Call) -> dict[str, Any]:
    changed = webhooks.update_webhook(
        call.services, call.actor(), call.api_key, call.path("uid"), call.section("webhook")
    )
    return {"notice": "The Webhook was updated successfully", "webhook": changed}


@endpoint
def delete_webhook(call: Call) -> dict[str, Any]:
    webhooks.delete_webhook(call.services, call.actor(), call.api_key, call.path("uid"))
    return {"notice": "The Webhook was deleted successfully"}


@endpoint
def list_executions(call: Call) -> dict[str, Any]:
    window = (call.params.get("from"), call.params.get("to"))
    page, count = webhooks.page_executions(
        call.services,
        call.actor(),
        call.api_key,
        call.path("uid"),
        list_params(call.params),
        window,
    )
    return collection("webhooks", page, count)


@endpoint
def execution_logs(call: Call) -> dict[str, Any]:
    found = webhooks.get_execution(call.services, call.actor(), call.api_key, call.path("uid"))
    return {"webhooks": [found]}


@endpoint
def retry(call: Call) -> dict[str, Any]:
    execution_uid = call.body.get("execution_uid")
    again = webhooks.retry(
        call.services,
        call.actor(),
        call.api_key,
        call.path("uid"),
        execution_uid if isinstance(execution_uid, str) else None,
    )
    return {"notice": "The Webhook execution will be retried.", "webhook": again}


@endpoint
def export_webhook(call: Call) -> dict[str, Any]:
    """`GET /webhooks/{uid}/export`: the webhook's definition as a file `import` takes."""
    return webhooks.get_webhook(call.services, call.actor(), call.api_key, call.path("uid"))


def _import(call: Call) -> dict[str, Any]:
    # The JS management SDK uploads the file as `webhook`, the Python one as `entry`.
    made = webhooks.import_webhook(
        call.services,
        call.actor(),
        call.api_key,
        lambda: imported_file(call, "webhook", "entry"),
        call.path("uid") if "uid" in call.request.path_params else None,
    )
    return {"notice": "The Webhook was imported successfully", "webhook": made}


import_webhook = endpoint(_import, uploads=True)
