"""Management and delivery share the content paths: `access_token` makes a request a delivery one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from veneer.api.call import is_preview
from veneer.api.delivery import assets, handlers, modules
from veneer.api.responses import error_response
from veneer.errors import Unauthorized
from veneer.observe import FAMILY

Endpoint = Callable[[Request], Awaitable[Response]]

DELIVERY_ENTRIES = handlers.delivery(handlers.list_entries)
DELIVERY_ENTRY = handlers.delivery(handlers.get_entry)
DELIVERY_CONTENT_TYPES = handlers.delivery(handlers.list_content_types)
DELIVERY_CONTENT_TYPE = handlers.delivery(handlers.get_content_type)
DELIVERY_ASSETS = handlers.delivery(assets.list_assets)
DELIVERY_ASSET = handlers.delivery(assets.get_asset)
DELIVERY_TAXONOMY_ENTRIES = handlers.delivery(handlers.list_taxonomy_entries)
DELIVERY_GLOBAL_FIELDS = handlers.delivery(modules.list_global_fields)
DELIVERY_GLOBAL_FIELD = handlers.delivery(modules.get_global_field)
DELIVERY_TAXONOMIES = handlers.delivery(modules.list_taxonomies)
DELIVERY_TAXONOMY = handlers.delivery(modules.get_taxonomy)
DELIVERY_TERMS = handlers.delivery(modules.list_terms)
DELIVERY_TERM = handlers.delivery(modules.get_term)
DELIVERY_TERM_ANCESTORS = handlers.delivery(modules.term_ancestors)
DELIVERY_TERM_DESCENDANTS = handlers.delivery(modules.term_descendants)
DELIVERY_TERM_LOCALES = handlers.delivery(modules.term_locales)


def is_delivery(request: Request) -> bool:
    return "access_token" in request.headers or "access_token" in request.query_params


def _either(delivery: Endpoint, family: str = "delivery") -> Callable[[Endpoint], Endpoint]:
    """The route that answers with `delivery` for a delivery request (counted under `family` in
    /-/metrics), else with the management endpoint it wraps."""

    def wrap(management: Endpoint) -> Endpoint:
        async def route(request: Request) -> Response:
            if is_preview(request):
                # Live preview: the latest saved content, through the management read with the
                # preview token's read-only actor; never cached (docs/preview.md).
                request.scope[FAMILY] = "preview"
                response = await management(request)
                response.headers["Cache-Control"] = "no-store"
                return response
            if is_delivery(request):
                request.scope[FAMILY] = family
                return await delivery(request)
            return await management(request)

        route.__name__ = management.__name__
        route.__module__ = management.__module__  # its route family in /-/metrics
        return route

    return wrap


entries = _either(DELIVERY_ENTRIES, "delivery_list")
entry = _either(DELIVERY_ENTRY, "delivery_entry")
content_types = _either(DELIVERY_CONTENT_TYPES)
content_type = _either(DELIVERY_CONTENT_TYPE)
assets_list = _either(DELIVERY_ASSETS)
asset = _either(DELIVERY_ASSET)
global_fields = _either(DELIVERY_GLOBAL_FIELDS)
global_field = _either(DELIVERY_GLOBAL_FIELD)
taxonomies = _either(DELIVERY_TAXONOMIES)
taxonomy = _either(DELIVERY_TAXONOMY)
terms = _either(DELIVERY_TERMS)
term = _either(DELIVERY_TERM)
term_ancestors = _either(DELIVERY_TERM_ANCESTORS)
term_descendants = _either(DELIVERY_TERM_DESCENDANTS)


def delivery_only(endpoint: Endpoint) -> Endpoint:
    """On a delivery-only node a request without a delivery token gets a clear 401."""

    async def route(request: Request) -> Response:
        if not is_delivery(request):
            return error_response(
                Unauthorized(
                    "This node serves only the Content Delivery API.",
                    errors={"access_token": ["is required."]},
                )
            )
        return await endpoint(request)

    route.__name__ = getattr(endpoint, "__name__", "delivery")
    return route
