"""Schemathesis against a live `veneer serve`, on SQLite and on PostgreSQL, over every operation of
`/-/openapi.json`: no 5xx, and every status code, content type, response header and body as the
description says.

Each server gets a fresh database with a user, a stack, two environments, a second locale, a
content type, a published entry with a published entry variant, a published image asset and an
asset folder, and management and delivery tokens. Every generated case is sent as one of a few callers (the user, the management token, the
delivery token, the editor's session, nobody, or whatever Schemathesis generated), drawn by
Hypothesis along with the case; path parameters are sometimes replaced by the uids of that world,
so that writes reach real objects. A write that may have damaged the world is followed by a repair
(`World.ensure`), and the operations that would destroy the caller itself (log out, delete the
stack) run on a throwaway session or stack.

The run is bounded: `VENEER_SCHEMATHESIS_EXAMPLES` cases per operation and generation mode
(default 15); `VENEER_SCHEMATHESIS_SEED` repeats a run. It prints how many requests it generated.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import random
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from PIL import Image
from schemathesis import GenerationMode
from schemathesis.checks import load_all_checks
from schemathesis.core.result import Err, Ok

from tests.conftest import (
    BACKENDS,
    MAIN_BRANCH,
    PASSWORD,
    _drop_pg_database,
    _pg_database,
    free_port,
    start_server,
    stop_server,
)
from veneer.passwords import Passwords
from veneer.services import users
from veneer.services.context import Services
from veneer.settings import Settings
from veneer.store import open_store

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

EXAMPLES = int(os.environ.get("VENEER_SCHEMATHESIS_EXAMPLES", "15"))
# CI repeats a seed that passed, so a landing never hangs on a fresh fuzz draw; local runs draw new
# seeds (and print them) to keep finding bugs.
CI_SEED = 3119022084
SEED = int(
    os.environ.get("VENEER_SCHEMATHESIS_SEED")
    or (CI_SEED if os.environ.get("CI") else random.randrange(2**32))
)
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
CREDENTIALS = ("authtoken", "authorization", "access_token")
NOT_HTTP = {
    code: None for code in [*range(9), *range(10, 32), 127]
}  # RFC 9110 §5.5: not in a field value
# Message framing, which the HTTP server parses before Veneer sees the request (an invalid one is
# answered there with a bare 400): negative mode draws arbitrary header names once an operation
# documents a header parameter (If-Match).
FRAMING = ("content-length", "transfer-encoding", "host", "connection", "te", "upgrade", "expect")

PAGE: dict[str, Any] = {
    "uid": "page",
    "title": "Page",
    "schema": [
        {
            "uid": "title",
            "data_type": "text",
            "display_name": "Title",
            "mandatory": True,
            "unique": True,
        },
        {"uid": "views", "data_type": "number", "display_name": "Views"},
        {
            "uid": "author",
            "data_type": "reference",
            "display_name": "Author",
            "reference_to": ["page"],
        },
        {
            "uid": "seo",
            "data_type": "group",
            "display_name": "SEO",
            "schema": [{"uid": "meta_title", "data_type": "text", "display_name": "Meta title"}],
        },
        {
            "uid": "links",
            "data_type": "group",
            "display_name": "Links",
            "multiple": True,
            "schema": [{"uid": "label", "data_type": "text", "display_name": "Label"}],
        },
    ],
}
ENTRY = {
    "title": "Home",
    "views": 3,
    "seo": {"meta_title": "Home SEO"},
    "links": [{"label": "One", "_metadata": {"uid": "cs00000000000000a1"}}],
}
GROUP, VARIANT, ALIAS = "sch_group", "sch_red", "cs_personalize_a_0"
TAXONOMY, TERM = "sch_color", "sch_color_red"  # a taxonomy with a term under another


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), "teal").save(out, "PNG")
    return out.getvalue()


PNG = _png()  # small: image parameters render it (and enlarge it) quickly


# -- a server of our own on a fresh database ---------------------------------------------------------
@pytest.fixture(scope="module", params=BACKENDS)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, Path]]:
    """(database url, base url, server log). Management rate limits are off and the per-address
    login limit is high: Schemathesis sends thousands of requests and random logins from one address."""
    folder = tmp_path_factory.mktemp("schemathesis")
    name = f"veneer_st_{os.getpid()}_{secrets.token_hex(4)}"
    url = f"sqlite:///{folder / 'veneer.db'}" if request.param == "sqlite" else _pg_database(name)
    log = folder / "server.log"
    port = free_port()
    process = start_server(
        url,
        port,
        log,
        VENEER_MANAGEMENT_RATE_LIMIT="0",
        VENEER_LOGIN_ATTEMPTS_PER_ADDRESS="1000000",
    )
    try:
        yield url, f"http://127.0.0.1:{port}", log
    finally:
        stop_server(process)
        if request.param != "sqlite":
            _drop_pg_database(name)


def make_user(database_url: str) -> str:
    """The world's user, with a cheap password hash as everywhere in the suite: the server logs it
    in again and again, and verifies at the cost the hash was made with."""
    store = open_store(database_url)
    try:
        email = f"st-{secrets.token_hex(6)}@example.com"
        users.create_user(
            Services(
                store=store,
                settings=Settings(database_url=database_url),
                passwords=Passwords.cheap(),
            ),
            email,
            PASSWORD,
            "Schemathesis",
            "User",
        )
        return email
    finally:
        store.dispose()


# -- the world the generated requests reach into ---------------------------------------------------------
@dataclass
class World:
    http: httpx.Client
    email: str
    authtoken: str = ""
    api_key: str = ""
    entry: str = ""
    asset: str = ""
    folder: str = ""
    # the asset URL's version_uid and filename, and its permanent URL's slug
    file: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, dict[str, str]] = field(
        default_factory=dict
    )  # kind -> {"auth"/"spare": uid, secret}
    requests: int = 0

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        expect: tuple[int, ...] = (200, 201),
        **headers: str,
    ) -> httpx.Response:
        base = {"authtoken": self.authtoken, "api_key": self.api_key}
        response = self.http.request(method, path, json=body, headers={**base, **headers})
        self.requests += 1
        if expect and response.status_code not in expect:
            raise AssertionError(f"setup {method} {path}: {response.status_code} {response.text}")
        return response

    def exists(self, path: str, **headers: str) -> bool:
        return self.call("GET", path, expect=(), **headers).status_code == 200

    def login(self) -> str:
        body = {"user": {"email": self.email, "password": PASSWORD}}
        response = self.http.post("/v3/user-session", json=body)
        self.requests += 1
        assert response.status_code == 200, response.text
        return str(response.json()["user"]["authtoken"])

    def new_stack(self, name: str) -> str:
        created = self.call("POST", "/v3/stacks", {"stack": {"name": name}})
        return str(created.json()["stack"]["api_key"])

    def ensure(self, path: str = "") -> None:
        """Put back what a generated write to `path` may have taken away (everything, without a path)."""
        if not path:
            if not self.authtoken or self.call("GET", "/v3/user", expect=()).status_code != 200:
                self.authtoken = self.login()
            if not self.api_key or self.call("GET", "/v3/stacks", expect=()).status_code != 200:
                self.api_key, self.entry, self.tokens = self.new_stack("Schemathesis"), "", {}
        if not path or "environments" in path:
            for name in ("production", "staging"):
                if not self.exists(f"/v3/environments/{name}"):
                    self.call("POST", "/v3/environments", {"environment": {"name": name}})
                    self.tokens.pop("delivery_tokens", None)
        if (not path or "locales" in path) and not self.exists("/v3/locales/fr-fr"):
            self.call(
                "POST", "/v3/locales", {"locale": {"code": "fr-fr", "fallback_locale": "en-us"}}
            )
        lost_token = (
            "delivery_tokens" not in self.tokens
        )  # production was deleted: its publications too
        content = (
            lost_token
            or not path
            or any(word in path for word in ("content_types", "content-types", "variant"))
        )
        if content:
            self._content()
            self._variants()
        if lost_token or not path or "_tokens" in path:
            self._tokens()
        if content:
            self._published()
        if lost_token or not path or "assets" in path:
            self._assets()
        if not path or "taxonomies" in path:
            self._taxonomy()

    def _taxonomy(self) -> None:
        if not self.exists(f"/v3/taxonomies/{TAXONOMY}"):
            self.call("POST", "/v3/taxonomies", {"taxonomy": {"uid": TAXONOMY, "name": "Color"}})
        for uid, parent in ((f"{TAXONOMY}_warm", None), (TERM, f"{TAXONOMY}_warm")):
            if not self.exists(f"/v3/taxonomies/{TAXONOMY}/terms/{uid}"):
                term = {"uid": uid, "name": uid, "parent_uid": parent}
                self.call("POST", f"/v3/taxonomies/{TAXONOMY}/terms", {"term": term})

    def _content(self) -> None:
        current = self.call("GET", "/v3/content_types/page", expect=())
        if current.status_code != 200:
            self.call("POST", "/v3/content_types", {"content_type": PAGE})
        elif [f.get("uid") for f in current.json()["content_type"]["schema"]] != [
            f["uid"] for f in PAGE["schema"]
        ]:
            self.call("PUT", "/v3/content_types/page", {"content_type": PAGE})
        if not self.entry or not self.exists(f"/v3/content_types/page/entries/{self.entry}"):
            entry = {**ENTRY, "title": f"Home {secrets.token_hex(3)}"}
            self.entry = self.call(
                "POST", "/v3/content_types/page/entries", {"entry": entry}
            ).json()["entry"]["uid"]

    def _variants(self) -> None:
        group = self.call("GET", f"/v3/variant_groups/{GROUP}", expect=())
        if group.status_code != 200:
            self.call(
                "POST",
                "/v3/variant_groups",
                {"uid": GROUP, "name": "Colors", "content_types": ["page"]},
            )
        elif {"uid": "page", "status": "linked"} not in group.json()["content_types"]:
            self.call(
                "PUT",
                f"/v3/variant_groups/{GROUP}",
                {"content_types": [{"uid": "page", "status": "linked"}]},
            )
        if not self.exists(f"/v3/variant_groups/{GROUP}/variants/{VARIANT}"):
            self.call("DELETE", f"/v3/variants/{VARIANT}", expect=())  # one left without its group
            self.call(
                "POST",
                f"/v3/variant_groups/{GROUP}/variants",
                {"uid": VARIANT, "name": "Red", "alias": ALIAS},
            )
        path = f"/v3/content_types/page/entries/{self.entry}/variants/{VARIANT}"
        if not self.exists(path):
            self.call(
                "PUT",
                path,
                {"entry": {"views": 7, "seo": {"meta_title": "Red SEO"}, "_variant": {}}},
            )

    def _tokens(self) -> None:
        for kind in ("management_tokens", "delivery_tokens"):
            held = self.tokens.setdefault(kind, {})
            for role in ("auth", "spare"):
                if role in held and self.exists(f"/v3/stacks/{kind}/{held[role]}"):
                    continue
                scope = (
                    [{"module": "environment", "environments": ["production"]}, MAIN_BRANCH]
                    if kind == "delivery_tokens"
                    else [
                        {"module": "content_type", "acl": {"read": True, "write": True}},
                        MAIN_BRANCH,
                    ]
                )
                token = self.call(
                    "POST", f"/v3/stacks/{kind}", {"token": {"name": role, "scope": scope}}
                ).json()["token"]
                held[role], held[role + "_secret"] = token["uid"], token["token"]

    def _published(self) -> None:
        delivery = {
            "access_token": self.tokens["delivery_tokens"]["auth_secret"],
            "environment": "production",
            "authtoken": "",
        }
        if not self.exists(f"/v3/content_types/page/entries/{self.entry}", **delivery):
            body = {
                "entry": {
                    "environments": ["production"],
                    "locales": ["en-us"],
                    "variants": [{"uid": VARIANT}],
                },
                "locale": "en-us",
            }
            self.call("POST", f"/v3/content_types/page/entries/{self.entry}/publish", body)

    def _assets(self) -> None:
        if not self.asset or not self.exists(f"/v3/assets/{self.asset}"):
            response = self.http.post(
                "/v3/assets",
                files={"asset[upload]": ("world.png", PNG, "image/png")},
                data={"asset[title]": "World"},
                headers={"authtoken": self.authtoken, "api_key": self.api_key},
            )
            self.requests += 1
            assert response.status_code == 201, response.text
            asset = response.json()["asset"]
            self.asset = asset["uid"]
            version_uid, filename = asset["url"].rsplit("/", 2)[1:]
            self.file = {"version_uid": version_uid, "filename": filename, "slug": "world"}
            permanent = f"https://cdn.example/v3/assets/{self.api_key}/{self.asset}/world"
            self.call("PUT", f"/v3/assets/{self.asset}", {"asset": {"permanent_url": permanent}})
        if not self.folder or not self.exists(f"/v3/assets/folders/{self.folder}"):
            folder = self.call("POST", "/v3/assets/folders", {"asset": {"name": "World"}})
            self.folder = folder.json()["asset"]["uid"]
        delivery = {**self.persona_headers("delivery"), "authtoken": ""}
        if not self.exists(f"/v3/assets/{self.asset}", **delivery):
            body = {"asset": {"environments": ["production"], "locales": ["en-us"]}}
            self.call("POST", f"/v3/assets/{self.asset}/publish", body)

    # -- what a generated case may borrow from it --------------------------------------------------------
    def real_path_value(self, path: str, name: str) -> str | None:
        if name == "uid":
            kind = next((k for k in ("management_tokens", "delivery_tokens") if k in path), None)
            if kind:
                return self.tokens[kind]["spare"]
            if path.startswith("/v3/assets"):
                return self.folder if path.startswith("/v3/assets/folders") else self.asset
            return self.entry
        return {
            **self.file,
            "ct": "page",
            "variant": VARIANT,
            "group": GROUP,
            "name": "staging",
            "code": "fr-fr",
            "api_key": self.api_key,
            "path": "app.css",
            "taxonomy": TAXONOMY,
            "term": TERM,
        }.get(name)

    def persona_headers(self, persona: str) -> dict[str, str]:
        return {
            "user": {"authtoken": self.authtoken},
            "management": {
                "authorization": "Bearer " + self.tokens["management_tokens"]["auth_secret"]
            },
            "delivery": {
                "access_token": self.tokens["delivery_tokens"]["auth_secret"],
                "environment": "production",
            },
        }.get(persona, {})


# -- callers --------------------------------------------------------------------------------------------
def weighted(**weights: int) -> st.SearchStrategy[str]:
    return st.sampled_from([name for name, weight in weights.items() for _ in range(weight)])


def personas(security: list[dict[str, Any]]) -> st.SearchStrategy[str]:
    schemes = {name for requirement in security for name in requirement}
    if "editor_session" in schemes:
        return weighted(session=7, none=2, generated=1)
    if "delivery_token" in schemes:
        return weighted(user=3, management=2, delivery=4, none=1, generated=1)
    if "management_token" in schemes:
        return weighted(user=5, management=3, delivery=1, none=1, generated=2)
    if "authtoken" in schemes:
        return weighted(user=6, management=1, none=1, generated=2)
    return weighted(generated=3, user=1)  # public: the user's own credentials for logging in


def csrf(authtoken: str) -> str:
    return hmac.new(authtoken.encode(), b"veneer-csrf-v1", hashlib.sha256).hexdigest()


@dataclass
class Draw:
    persona: str
    real_ids: bool
    real_stack: bool


def dress(case: Any, draw: Draw, world: World) -> bool:
    """Make `case` come from `draw.persona`; returns True when it may reach the world's objects."""
    method, path = case.method.upper(), case.operation.path
    headers = dict(case.headers or {})
    if draw.persona != "generated":
        headers = {k: v for k, v in headers.items() if k not in CREDENTIALS}
        headers.update(world.persona_headers(draw.persona))
        case.cookies = {}
        if draw.real_stack:
            headers["api_key"] = world.api_key
    if draw.real_ids and case.path_parameters:
        case.path_parameters = {
            name: world.real_path_value(path, name) or value
            for name, value in case.path_parameters.items()
        }
    if draw.persona == "session" or (
        path == "/app/login" and method == "POST" and draw.persona == "user"
    ):
        _editor(case, draw, world, path, method)
    if draw.persona == "user" and (method, path) == ("POST", "/v3/user-session") and draw.real_ids:
        case.body = {"user": {"email": world.email, "password": PASSWORD}}
    if draw.persona == "user" and (method, path) == ("DELETE", "/v3/user-session"):
        headers["authtoken"] = world.login()  # never log the world's own session out
    if (method, path) == ("DELETE", "/v3/stacks") and headers.get("api_key") == world.api_key:
        headers["api_key"] = world.new_stack("Throwaway")
    # Control characters are not HTTP: the HTTP server refuses such a request with a bare 400
    # before Veneer sees it. Schemathesis' negative mode sometimes draws them (If-None-Match).
    case.headers = {
        name: value.translate(NOT_HTTP) if isinstance(value, str) else value
        for name, value in headers.items()
        if name.lower() not in FRAMING
    }
    return draw.real_ids or draw.real_stack


def damaging(method: str, path: str) -> bool:
    """A successful write that may take away part of the world."""
    return (
        method == "DELETE"
        or path.endswith("publish")
        or path.startswith("/app/stacks/")
        or (
            method == "PUT"
            and path
            in (
                "/v3/environments/{name}",
                "/v3/content_types/{ct}",
                "/v3/variant_groups/{group}",
                "/v3/variant_groups/{group}/variants",
            )
        )
    )


def _editor(case: Any, draw: Draw, world: World, path: str, method: str) -> None:
    if path == "/app/login":
        token = secrets.token_urlsafe(8)
        case.cookies = {"veneer_login_csrf": token}
        if isinstance(case.body, dict):
            case.body = {**case.body, "csrf": token}
            if draw.real_ids:
                case.body.update(email=world.email, password=PASSWORD)
        return
    session = world.login() if path == "/app/logout" else world.authtoken
    case.cookies = {"veneer_session": session}
    if method == "POST" and isinstance(case.body, dict) and draw.real_stack:
        case.body = {**case.body, "csrf": csrf(session)}


# -- the run --------------------------------------------------------------------------------------------
@dataclass
class Run:
    world: World
    base_url: str
    checks: list[Callable[..., Any]]
    session: requests.Session = field(default_factory=requests.Session)
    generated: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    failing_operations: set[str] = field(default_factory=set)
    not_negatable: list[str] = field(default_factory=list)

    def send(self, case: Any, draw: Draw) -> None:
        label = f"{case.method.upper()} {case.operation.path}"
        touched = dress(case, draw, self.world)
        try:
            response = case.call(base_url=self.base_url, session=self.session, timeout=30)
        except requests.RequestException as exc:
            self._fail(label, case, f"no response: {exc!r}")
            return
        self.generated += 1
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=self.checks)
        except (AssertionError, BaseExceptionGroup) as exc:
            self._fail(label, case, f"{response.status_code}: {exc}")
        if (
            touched
            and response.status_code < 400
            and damaging(case.method.upper(), case.operation.path)
        ):
            self.world.ensure(case.operation.path)

    def _fail(self, label: str, case: Any, message: str) -> None:
        if label not in self.failing_operations and len(self.failures) < 40:
            self.failures.append(f"{label} [{self.generated}]\n{message}\n{case.as_curl_command()}")
        self.failing_operations.add(label)


def exercise(run: Run, operation: Any, mode: GenerationMode) -> None:
    security = operation.definition.raw.get("security", [])

    @hypothesis.given(
        case=operation.as_strategy(generation_mode=mode),
        persona=personas(security),
        real_ids=st.booleans(),
        real_stack=st.sampled_from([True, True, True, False]),
    )
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.seed(SEED)
    def test(case: Any, persona: str, real_ids: bool, real_stack: bool) -> None:
        run.send(case, Draw(persona, real_ids, real_stack))

    try:
        test()
    except hypothesis.errors.Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        run.not_negatable.append(
            f"{operation.method.upper()} {operation.path}"
        )  # nothing in it can be invalid


def test_every_operation_against_a_live_server(
    live: tuple[str, str, Path], record_property: Callable[[str, object], None]
) -> None:
    database_url, base_url, log = live
    schema = schemathesis.openapi.from_url(base_url + "/-/openapi.json")
    load_all_checks()
    loaded = list(schema.get_all_operations())
    assert not [result.err() for result in loaded if isinstance(result, Err)]
    operations = [result.ok() for result in loaded if isinstance(result, Ok)]
    with httpx.Client(base_url=base_url, timeout=30) as http, requests.Session() as session:
        world = World(http, make_user(database_url))
        world.ensure()
        run = Run(world, base_url, [getattr(schemathesis.checks, name) for name in CHECKS], session)
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                exercise(run, operation, mode)
    backend = database_url.split(":", 1)[0]
    summary = (
        f"schemathesis {schemathesis.__version__} on {backend}: {run.generated} generated requests "
        f"over {len(operations)} operations (seed {SEED}; {world.requests} setup requests; "
        f"{len(run.not_negatable)} operations without invalid inputs); statuses "
        f"{dict(sorted(run.statuses.items()))}"
    )
    record_property("summary", summary)  # printed at the end of the run, from any xdist worker
    assert not run.failures, (
        f"{len(run.failing_operations)} operations failed (seed {SEED}):\n\n"
        + "\n\n".join(run.failures)
        + f"\n\nserver log {log}:\n"
        + crashes(log)
    )


def crashes(log: Path) -> str:
    """Each distinct exception in the server log, with the last frame of Veneer's code it passed."""
    found: dict[str, int] = {}
    frame = ""
    for line in log.read_text(errors="replace").splitlines():
        if "/veneer/" in line and line.lstrip().startswith("File "):
            frame = line.strip()
        elif (
            line
            and not line[0].isspace()
            and ("Error" in line or "Exception" in line)
            and ":" in line
        ):
            key = f"{line}\n    at {frame}"
            found[key] = found.get(key, 0) + 1
    return "\n".join(f"{count} x {key}" for key, count in found.items()) or "no tracebacks"
