"""CDN cache tags: every delivery answer names what it was built from, so a CDN can purge it.

The names come from the answer's dependencies in the process cache (`cache.py`), one tag per
dependency, and `purge_tags()` names what a change-log row purges exactly as
`DeliveryCache.purge()` drops: a CDN purged by tag and the process cache agree. The format
(docs/cdn.md), `{api_key}` first so that one CDN can front many stacks:

    s:{api_key}                  every answer of the stack (tokens, environments, locales, content
                                 types or the stack's settings changed)
    ct:{api_key}:{ct}            lists of entries of `ct` (`sys_assets`: lists of assets)
    cv:{api_key}:{ct}            lists of entries of `ct` read with variants
    e:{api_key}:{uid}            an entry, read or expanded as a reference (include[])
    v:{api_key}:{uid}            an entry read with variants (any of its variants may apply)
    v:{api_key}:{uid}:{variant}  a variant applied to the entry (a name only: `v:{api_key}:{uid}`
                                 is what a variant publish purges)
    a:{api_key}:{uid}            an asset, read or embedded in an entry
    x:{api_key}                  an answer that names more than the headers hold (below)

Tags leave the environment and the locale out: a publish to one environment purges the entry's
copies in the others too (they are fetched again once), and the headers stay short. A part that
holds anything but letters, digits, `_`, `-` and `.` (a uid a reference field was given by hand)
is percent-encoded, so tags never contain the headers' separators.

The headers are bounded (`TAGS_MAX`, below the 16 KB that Fastly and Cloudflare accept): beyond, an
answer first drops the names of applied variants (never purged by name), then replaces every entry,
entry-variant and asset tag by `x:{api_key}`, which every publish in the stack purges.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote

from veneer.domain.assets import ASSET_CONTENT_TYPE

Dep = tuple[str, ...]
TAGS_MAX = 8000  # bytes of the Surrogate-Key value (Cache-Tag has as many)
_PREFIX = {
    "stack": "s",
    "list": "ct",
    "variant-list": "cv",
    "entry": "e",
    "entry-variants": "v",
    "variant": "v",
    "asset": "a",
}
SAFE = re.compile(r"[A-Za-z0-9_.-]+")
_BROAD = ("stack", "list", "variant-list")  # what an answer cut at the cap keeps


def _part(value: str) -> str:
    return value if SAFE.fullmatch(value) else quote(value, safe="")


def tag(dep: Dep) -> str:
    """The tag of one dependency: its kind's prefix, the stack, and what it names besides the
    environment (`dep[2]`)."""
    named = [_PREFIX[dep[0]], _part(dep[1])]
    named.extend(_part(part) for part in dep[3:])
    return ":".join(named)


def overflow(stack: str) -> str:
    return "x:" + _part(stack)


def tags_of(deps: Iterable[Dep]) -> list[str]:
    """The tags of `deps`, each once, in their order, cut to `TAGS_MAX` as the module says."""
    unique = [d for d in dict.fromkeys(deps) if d[0] in _PREFIX]
    names = list(dict.fromkeys(map(tag, unique)))
    if _fits(names):  # nearly always: made once per answer built, so kept to one pass
        return names
    purged = list(dict.fromkeys(tag(d) for d in unique if d[0] != "variant"))
    if _fits(purged):
        return purged
    stacks = dict.fromkeys(d[1] for d in unique)
    broad = [tag(d) for d in unique if d[0] in _BROAD]
    return list(dict.fromkeys([*broad, *(overflow(s) for s in stacks)]))


def _fits(names: list[str]) -> bool:
    return sum(map(len, names)) + len(names) - 1 <= TAGS_MAX


def header_values(deps: Iterable[Dep]) -> tuple[bytes, bytes]:
    """(`Surrogate-Key`, `Cache-Tag`): the tags space- and comma-separated."""
    names = tags_of(deps)
    return " ".join(names).encode(), ",".join(names).encode()


def purge_tags(stack: str, entry: str, variant: str, content_type: str) -> list[str]:
    """What a change (a change-log row, or the webhook of a publish) purges from a CDN: the tags
    of what `DeliveryCache.purge()` drops for it, and `x:{api_key}` for an entry or an asset."""
    s = _part(stack)
    if not entry:
        return [f"s:{s}"]
    ct, uid = _part(content_type), _part(entry)
    if variant:
        return [f"v:{s}:{uid}", f"cv:{s}:{ct}", f"x:{s}"]
    asset = [f"a:{s}:{uid}"] if content_type == ASSET_CONTENT_TYPE else []
    return [*asset, f"e:{s}:{uid}", f"ct:{s}:{ct}", f"x:{s}"]
