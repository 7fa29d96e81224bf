"""The version check on the wire. A management GET of an entry or an entry variant names the
version it returned in a strong ETag (`"v3"`); a PUT that sends it back in `If-Match` is refused
with 409, nothing written, when the stored version has moved on since. Without `If-Match` a PUT
writes whatever is stored."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from veneer.api.call import Call
from veneer.api.responses import json_response
from veneer.errors import BadRequest

ETAG = re.compile(r'"v([0-9]{1,18})"')


def tagged(body: dict[str, Any], version: int) -> Response:
    """`body` with the ETag of the version it shows."""
    return json_response(body, headers={"ETag": f'"v{version}"'})


def expected_version(call: Call) -> int | None:
    """The version named by the request's `If-Match` (None without one)."""
    header = call.header("if-match")
    if header is None:
        return None
    match = ETAG.fullmatch(header.strip())
    if match is None:
        raise BadRequest(
            'If-Match must be the ETag a GET of this object answered, such as "v3".',
            {"if-match": ["is not an ETag of this object."]},
        )
    return int(match.group(1))
