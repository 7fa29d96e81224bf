"""Every setting of Veneer, declared once.

The table below feeds `veneer serve --help-settings`, the README's settings section (a test checks
that each one is documented) and `Settings.from_env()`. Each setting reads `VENEER_<NAME>`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any

from veneer.domain.delivery_settings import cache_control, origins_from_text
from veneer.errors import VeneerError


class ConfigError(VeneerError):
    pass


def _bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"expected true or false, got {raw!r}")


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str


def default_database_url() -> str:
    return f"sqlite:///{Path('veneer-data').resolve() / 'veneer.db'}"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        None,
        "SQLAlchemy URL of the database: sqlite:////abs/path.db or "
        "postgresql://user@host/db. Default: ./veneer-data/veneer.db (created on demand).",
    ),
    Setting(
        "read_database_url",
        "",
        "postgresql:// URL of a read replica of that PostgreSQL database: delivery reads go "
        "there while it has applied every change the primary logged (else to the primary); "
        "empty: every read goes to the primary.",
    ),
    Setting(
        "admin_email",
        "admin@veneer.local",
        "Email of the owner account created on an empty database.",
    ),
    Setting(
        "admin_password",
        None,
        "Password of that owner account; generated and printed once when unset.",
    ),
    Setting(
        "organization_name",
        "My Organization",
        "Name of the organization created on an empty database.",
    ),
    Setting("max_body_bytes", 10 * 1024 * 1024, "Largest request body accepted (413 beyond).", int),
    Setting(
        "max_response_bytes",
        10 * 1024 * 1024,
        "Largest delivery response served (an error beyond).",
        int,
    ),
    Setting(
        "request_timeout",
        10.0,
        "Seconds after which the database cuts off a request (delivery, management, editor).",
        float,
    ),
    Setting(
        "max_upload_bytes",
        100 * 1024 * 1024,
        "Largest asset file accepted in an upload (413 beyond).",
        int,
    ),
    Setting(
        "upload_timeout",
        300.0,
        "Seconds a client has to send a whole asset upload (408 after).",
        float,
    ),
    Setting(
        "asset_base_url",
        "",
        "Origin asset URLs are given in (e.g. https://cdn.example.com, for a CDN in front of "
        "Veneer); empty: the origin of the request that reads them.",
    ),
    Setting(
        "files_dir",
        "",
        "Directory for files besides the database (asset blobs on disk, image renditions); "
        "empty: the SQLite file's directory, or ./veneer-data with PostgreSQL.",
    ),
    Setting(
        "rendition_cache_bytes",
        1024 * 1024 * 1024,
        "Most bytes of image renditions kept on disk (least recently used dropped beyond).",
        int,
    ),
    Setting("max_json_depth", 64, "Deepest JSON nesting accepted in a request body.", int),
    Setting(
        "max_json_items",
        200_000,
        "Most arrays, objects and members a request body may hold, counted as its [, { and : "
        "characters before parsing (413 beyond).",
        int,
    ),
    Setting(
        "header_timeout",
        10.0,
        "Seconds a client has to send a request's headers (the connection is closed after).",
        float,
    ),
    Setting(
        "body_timeout",
        30.0,
        "Seconds a client has to send a whole request body (408 after).",
        float,
    ),
    Setting(
        "max_connections",
        1024,
        "Open connections each worker serves at once; more wait in the listen queue.",
        int,
    ),
    Setting(
        "session_ttl_hours", 24 * 14, "Lifetime of a login session (authtoken), in hours.", int
    ),
    Setting(
        "editor_session_hours",
        12,
        "Lifetime of an editor session (its cookie is not an API authtoken), in hours.",
        int,
    ),
    Setting(
        "trusted_proxies",
        "",
        "Comma-separated addresses or networks (CIDR) of reverse proxies whose "
        "X-Forwarded-Proto (the editor cookie is then Secure) and X-Forwarded-For (the client "
        "address login limits count) Veneer believes; empty: none.",
    ),
    Setting("delivery_cache", True, "Keep published documents in an in-process cache.", _bool),
    Setting(
        "change_check_interval",
        0.0,
        "Seconds between a delivery process's looks at the change log (at most 1): 0 looks "
        "before every request, so no node serves a document a publish acknowledged anywhere "
        "replaced; above 0, such a document may be served for up to that long, and each "
        "request saves a database round trip.",
        float,
    ),
    Setting(
        "delivery_cache_entries",
        50_000,
        "Most documents the delivery cache holds per process.",
        int,
    ),
    Setting(
        "delivery_cache_bytes",
        256 * 1024 * 1024,
        "Most bytes (bodies and keys) the delivery cache holds per process.",
        int,
    ),
    Setting(
        "delivery_cache_control",
        "no-cache",
        "Cache-Control of delivery answers, unless a stack's delivery_cache_control setting "
        "says otherwise (docs/cdn.md).",
    ),
    Setting(
        "delivery_cors_origins",
        "*",
        "Browser origins allowed to read delivery answers: *, none, or origins separated by "
        "commas; a stack's delivery_cors_origins setting overrides it.",
    ),
    Setting(
        "include_limit",
        1000,
        "Most referenced entries one delivery request's include[] expands (422 beyond).",
        int,
    ),
    Setting(
        "password_hashes",
        2,
        "Password hashes (argon2id, 64 MiB each) one process runs at once; others wait.",
        int,
    ),
    Setting(
        "variant_limit", 3, "Default number of x-cs-variant-uid variants applied per request.", int
    ),
    Setting("workers", 0, "Server worker processes for `veneer serve` (0 = one per core).", int),
    Setting(
        "role", "all", "What this node serves: all, or delivery (read-only delivery API).", str
    ),
    Setting(
        "ssl_certificate",
        None,
        "PEM certificate (chain) file: `veneer serve` speaks HTTPS itself. Needs VENEER_SSL_KEYFILE.",
    ),
    Setting("ssl_keyfile", None, "PEM private key file of that certificate (unencrypted)."),
    Setting("scheduler_interval", 1.0, "Seconds between checks for scheduled publishes.", float),
    Setting(
        "login_attempts", 10, "Failed logins allowed per account per login window (then 429).", int
    ),
    Setting(
        "login_attempts_per_address",
        50,
        "Failed logins allowed per client address per login window.",
        int,
    ),
    Setting("login_window", 300, "Length of the login rate-limit window, in seconds.", int),
    Setting(
        "management_rate_limit",
        1200,
        "Management API requests per minute per organization (0 = off); "
        "an organization's settings may override it.",
        int,
    ),
    Setting(
        "webhook_senders",
        8,
        "Webhook requests each worker process sends at once (0: this process sends none, and "
        "makes no deliveries; other processes on the database do).",
        int,
    ),
    Setting(
        "webhook_timeout",
        30.0,
        "Seconds a webhook target has to answer (a failed attempt after; the delivery is "
        "re-sent by any process once twice this has passed without an answer recorded).",
        float,
    ),
    Setting(
        "webhook_retry_base",
        5.0,
        "Seconds before a failed webhook delivery is retried; each later retry waits 5 times "
        "longer (5, 25, 125, 625 s), and the 5th failure is final.",
        float,
    ),
    Setting(
        "webhook_interval",
        1.0,
        "Seconds between checks for new events and due webhook deliveries, when idle.",
        float,
    ),
    Setting(
        "blob_store",
        "",
        "Where asset files are kept: database, disk (the data directory's blobs/), or "
        "disk:/abs/path. Default: the database on PostgreSQL (nodes share them), disk on SQLite.",
    ),
    Setting("log_format", "json", "Log lines as json (one object a line) or plain text."),
    Setting("log_requests", True, "Log one line per request answered.", _bool),
    Setting(
        "metrics_dir",
        "",
        "Directory where each worker leaves its metrics for /-/metrics to gather; empty: the "
        "data directory's metrics/.",
    ),
    Setting(
        "shutdown_timeout",
        30.0,
        "Seconds a stopping server gives in-flight requests and a running scheduled job to "
        "finish before its workers are killed.",
        float,
    ),
)


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    read_database_url: str = ""
    admin_email: str = "admin@veneer.local"
    admin_password: str | None = None
    organization_name: str = "My Organization"
    max_body_bytes: int = 10 * 1024 * 1024
    max_response_bytes: int = 10 * 1024 * 1024
    request_timeout: float = 10.0
    max_json_depth: int = 64
    max_json_items: int = 200_000
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_upload_bytes: int = 100 * 1024 * 1024
    upload_timeout: float = 300.0
    asset_base_url: str = ""
    files_dir: str = ""
    rendition_cache_bytes: int = 1024 * 1024 * 1024
    max_connections: int = 1024
    session_ttl_hours: int = 24 * 14
    editor_session_hours: int = 12
    trusted_proxies: str = ""
    delivery_cache: bool = True
    change_check_interval: float = 0.0
    delivery_cache_entries: int = 50_000
    delivery_cache_bytes: int = 256 * 1024 * 1024
    delivery_cache_control: str = "no-cache"
    delivery_cors_origins: str = "*"
    include_limit: int = 1000
    password_hashes: int = 2
    variant_limit: int = 3
    workers: int = 0
    role: str = "all"
    ssl_certificate: str | None = None
    ssl_keyfile: str | None = None
    scheduler_interval: float = 1.0
    login_attempts: int = 10
    login_attempts_per_address: int = 50
    login_window: int = 300
    management_rate_limit: int = 1200
    blob_store: str = ""
    webhook_senders: int = 8
    webhook_timeout: float = 30.0
    webhook_retry_base: float = 5.0
    webhook_interval: float = 1.0
    log_format: str = "json"
    log_requests: bool = True
    metrics_dir: str = ""
    shutdown_timeout: float = 30.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            raw = env.get(f"VENEER_{setting.name.upper()}")
            if raw is None or raw == "":
                continue
            try:
                values[setting.name] = setting.parse(raw)
            except ValueError as exc:
                raise ConfigError(
                    f"Setting VENEER_{setting.name.upper()}={raw!r} is invalid: {exc}"
                ) from exc
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.check()
        return settings

    @property
    def proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        """`trusted_proxies` parsed; `check()` has refused anything that is not an address."""
        items = (item.strip() for item in self.trusted_proxies.split(","))
        return tuple(ip_network(item, strict=False) for item in items if item)

    def check(self) -> None:
        try:
            self.proxy_networks  # noqa: B018 -- parsed to be checked
        except ValueError as exc:
            raise ConfigError(
                f"Setting VENEER_TRUSTED_PROXIES={self.trusted_proxies!r} is invalid: {exc}"
            ) from exc
        if self.role not in {"all", "delivery"}:
            raise ConfigError(
                f"Setting VENEER_ROLE must be 'all' or 'delivery', not {self.role!r}."
            )
        if self.log_format not in {"json", "plain"}:
            raise ConfigError(
                f"Setting VENEER_LOG_FORMAT must be 'json' or 'plain', not {self.log_format!r}."
            )
        self._check_tls()
        self._check_delivery()
        if not self.database_url.startswith(("sqlite:", "postgresql")):
            raise ConfigError(
                "Setting VENEER_DATABASE_URL must be a sqlite:/// or postgresql:// URL, "
                f"not {self.database_url!r}."
            )
        self._check_replica()
        if not 0 <= self.change_check_interval <= 1:
            raise ConfigError(
                "Setting VENEER_CHANGE_CHECK_INTERVAL must be between 0 and 1 (seconds): a "
                f"publish reaches every node within it; got {self.change_check_interval!r}."
            )

    def _check_replica(self) -> None:
        if not self.read_database_url:
            return
        if not self.database_url.startswith("postgresql"):
            raise ConfigError(
                "Setting VENEER_READ_DATABASE_URL needs a PostgreSQL VENEER_DATABASE_URL: "
                "SQLite is one file on one machine, with no replicas."
            )
        if not self.read_database_url.startswith("postgresql"):
            raise ConfigError(
                "Setting VENEER_READ_DATABASE_URL must be a postgresql:// URL, "
                f"not {self.read_database_url!r}."
            )

    def _check_delivery(self) -> None:
        checks = (
            ("VENEER_DELIVERY_CACHE_CONTROL", self.delivery_cache_control, cache_control),
            ("VENEER_DELIVERY_CORS_ORIGINS", self.delivery_cors_origins, origins_from_text),
        )
        for name, value, check in checks:
            try:
                check(value)
            except VeneerError as exc:
                why = "; ".join(m for ms in exc.errors.values() for m in ms)
                raise ConfigError(f"Setting {name}={value!r} is invalid: {why}") from exc

    def _check_tls(self) -> None:
        pair = {
            "VENEER_SSL_CERTIFICATE": self.ssl_certificate,
            "VENEER_SSL_KEYFILE": self.ssl_keyfile,
        }
        given = {name: path for name, path in pair.items() if path}
        if given and len(given) != len(pair):
            missing = next(name for name in pair if name not in given)
            raise ConfigError(
                f"Setting {missing} is missing: HTTPS needs a certificate and its key."
            )
        for name, path in given.items():
            if not Path(path).is_file():
                raise ConfigError(f"Setting {name}={path!r} is not a readable file.")

    @property
    def data_dir(self) -> Path:
        """Where Veneer keeps files besides the database (blobs, renditions): the SQLite file's
        directory, or ./veneer-data next to a PostgreSQL server, unless `files_dir` says."""
        if self.files_dir:
            return Path(self.files_dir).resolve()
        if self.database_url.startswith("sqlite:///"):
            return Path(self.database_url.removeprefix("sqlite:///")).resolve().parent
        return Path("veneer-data").resolve()

    @property
    def metrics_path(self) -> Path:
        """Where the workers leave their metrics (`veneer.metrics`)."""
        return Path(self.metrics_dir).resolve() if self.metrics_dir else self.data_dir / "metrics"

    @property
    def tls(self) -> bool:
        """True when `veneer serve` speaks HTTPS (a certificate and its key are set)."""
        return bool(self.ssl_certificate and self.ssl_keyfile)


assert {s.name for s in SETTINGS} == {f.name for f in fields(Settings)}, (
    "settings table out of sync"
)
