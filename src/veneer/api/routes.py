"""Every route Veneer serves, in one place. Management and delivery share the content paths:
a request carrying `access_token` is a delivery request (see `api.delivery.dispatch`)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from veneer.api import system
from veneer.api.delivery import dispatch
from veneer.api.management import content_types as ct
from veneer.api.management import entries as en
from veneer.api.management import entry_variants as ev
from veneer.api.management import environments as env
from veneer.api.management import stacks as st
from veneer.api.management import users as us
from veneer.api.management import variant_groups as vg

V3 = "/v3"


def _both(path: str) -> list[str]:
    """Collection paths also answer with a trailing slash (the legacy JS SDK sends one)."""
    return [path, path + "/"]


def management_routes() -> list[BaseRoute]:
    entry = V3 + "/content_types/{ct}/entries/{uid}"
    return [
        Route(V3 + "/user-session", us.login, methods=["POST"]),
        Route(V3 + "/user-session", us.logout, methods=["DELETE"]),
        Route(V3 + "/user", us.current_user, methods=["GET"]),
        Route(V3 + "/organizations", us.list_organizations, methods=["GET"]),
        *[Route(p, st.get_stacks, methods=["GET"]) for p in _both(V3 + "/stacks")],
        *[Route(p, st.create_stack, methods=["POST"]) for p in _both(V3 + "/stacks")],
        Route(V3 + "/stacks", st.update_stack, methods=["PUT"]),
        Route(V3 + "/stacks", st.delete_stack, methods=["DELETE"]),
        *[Route(V3 + f"/stacks/{kind}", st.list_tokens, methods=["GET"]) for kind in ("management_tokens", "delivery_tokens")],
        *[Route(V3 + f"/stacks/{kind}", st.create_token, methods=["POST"]) for kind in ("management_tokens", "delivery_tokens")],
        *[Route(V3 + f"/stacks/{kind}/{{uid}}", st.get_token, methods=["GET"]) for kind in ("management_tokens", "delivery_tokens")],
        *[Route(V3 + f"/stacks/{kind}/{{uid}}", st.update_token, methods=["PUT"]) for kind in ("management_tokens", "delivery_tokens")],
        *[Route(V3 + f"/stacks/{kind}/{{uid}}", st.delete_token, methods=["DELETE"]) for kind in ("management_tokens", "delivery_tokens")],
        *[Route(p, env.list_environments, methods=["GET"]) for p in _both(V3 + "/environments")],
        *[Route(p, env.create_environment, methods=["POST"]) for p in _both(V3 + "/environments")],
        Route(V3 + "/environments/{name}", env.get_environment, methods=["GET"]),
        Route(V3 + "/environments/{name}", env.update_environment, methods=["PUT"]),
        Route(V3 + "/environments/{name}", env.delete_environment, methods=["DELETE"]),
        *[Route(p, env.list_locales, methods=["GET"]) for p in _both(V3 + "/locales")],
        *[Route(p, env.create_locale, methods=["POST"]) for p in _both(V3 + "/locales")],
        Route(V3 + "/locales/{code}", env.get_locale, methods=["GET"]),
        Route(V3 + "/locales/{code}", env.update_locale, methods=["PUT"]),
        Route(V3 + "/locales/{code}", env.delete_locale, methods=["DELETE"]),
        *[Route(p, dispatch.content_types(ct.list_content_types), methods=["GET"]) for p in _both(V3 + "/content_types")],
        *[Route(p, ct.create_content_type, methods=["POST"]) for p in _both(V3 + "/content_types")],
        Route(V3 + "/content_types/{ct}", dispatch.content_type(ct.get_content_type), methods=["GET"]),
        Route(V3 + "/content_types/{ct}", ct.update_content_type, methods=["PUT"]),
        Route(V3 + "/content_types/{ct}", ct.delete_content_type, methods=["DELETE"]),
        *[Route(p, dispatch.entries(en.list_entries), methods=["GET"]) for p in _both(V3 + "/content_types/{ct}/entries")],
        *[Route(p, en.create_entry, methods=["POST"]) for p in _both(V3 + "/content_types/{ct}/entries")],
        Route(entry, dispatch.entry(en.get_entry), methods=["GET"]),
        Route(entry, en.update_entry, methods=["PUT"]),
        Route(entry, en.delete_entry, methods=["DELETE"]),
        Route(entry + "/versions", en.list_versions, methods=["GET"]),
        Route(entry + "/publish", en.publish, methods=["POST"]),
        Route(entry + "/unpublish", en.unpublish, methods=["POST"]),
        *[Route(p, ev.list_variants, methods=["GET"]) for p in _both(entry + "/variants")],
        *[Route(p, ev.post_variant, methods=["POST"]) for p in _both(entry + "/variants")],
        Route(entry + "/variants/{variant}", ev.get_variant, methods=["GET"]),
        Route(entry + "/variants/{variant}", ev.put_variant, methods=["PUT"]),
        Route(entry + "/variants/{variant}", ev.delete_variant, methods=["DELETE"]),
        Route(entry + "/variants/{variant}/versions", ev.versions, methods=["GET"]),
        *variant_routes(),
    ]


def variant_routes() -> list[BaseRoute]:
    group = V3 + "/variant_groups/{group}"
    return [
        *[Route(p, vg.list_groups, methods=["GET"]) for p in _both(V3 + "/variant_groups")],
        *[Route(p, vg.create_group, methods=["POST"]) for p in _both(V3 + "/variant_groups")],
        Route(group, vg.get_group, methods=["GET"]),
        Route(group, vg.update_group, methods=["PUT"]),
        Route(group, vg.delete_group, methods=["DELETE"]),
        *[Route(p, vg.list_variants, methods=["GET"]) for p in _both(group + "/variants")],
        *[Route(p, vg.create_variant, methods=["POST"]) for p in _both(group + "/variants")],
        Route(group + "/variants", vg.link_content_types, methods=["PUT"]),
        Route(group + "/variants/{variant}", vg.get_variant, methods=["GET"]),
        Route(group + "/variants/{variant}", vg.rename_variant, methods=["PUT"]),
        Route(group + "/variants/{variant}", vg.delete_variant, methods=["DELETE"]),
        *[Route(p, vg.list_variants, methods=["GET"]) for p in _both(V3 + "/variants")],
        *[Route(p, vg.create_variant, methods=["POST"]) for p in _both(V3 + "/variants")],
        Route(V3 + "/variants/{variant}", vg.get_variant, methods=["GET"]),
        Route(V3 + "/variants/{variant}", vg.delete_variant, methods=["DELETE"]),
    ]


def delivery_routes() -> list[BaseRoute]:
    """A delivery-only node (`--role delivery`) serves just these."""
    return [
        *[Route(p, dispatch.delivery_only(dispatch.DELIVERY_CONTENT_TYPES), methods=["GET"]) for p in _both(V3 + "/content_types")],
        Route(V3 + "/content_types/{ct}", dispatch.delivery_only(dispatch.DELIVERY_CONTENT_TYPE), methods=["GET"]),
        *[Route(p, dispatch.delivery_only(dispatch.DELIVERY_ENTRIES), methods=["GET"]) for p in _both(V3 + "/content_types/{ct}/entries")],
        Route(V3 + "/content_types/{ct}/entries/{uid}", dispatch.delivery_only(dispatch.DELIVERY_ENTRY), methods=["GET"]),
    ]


def routes(role: str) -> list[BaseRoute]:
    api = delivery_routes() if role == "delivery" else management_routes()
    return [*system.routes(), *api]
