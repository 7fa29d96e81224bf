"""The `veneer` command: serve (default), migrate, demo, createuser, load, export, import, backup,
settings."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import orjson
from granian import Granian
from granian.constants import Interfaces, Loops
from granian.http import HTTP1Settings
from rich.console import Console
from rich.table import Table

from veneer.errors import VeneerError
from veneer.passwords import Passwords
from veneer.services.context import Services
from veneer.settings import SETTINGS, ConfigError, Settings

if TYPE_CHECKING:
    from veneer.services.bulk import Load, Refusal, Report

console = Console(stderr=True, soft_wrap=True)


def _services(settings: Settings) -> Services:
    from veneer.store import open_store
    from veneer.store.migrate import upgrade

    store = open_store(settings.database_url)
    upgrade(store)
    return Services(store, settings, Passwords(concurrency=settings.password_hashes))


def _settings(**overrides: Any) -> Settings:
    try:
        return Settings.from_env(**overrides)
    except ConfigError as exc:
        raise click.ClickException(exc.message) from None


def print_settings() -> None:
    table = Table(title="Veneer settings (environment variables)")
    for column in ("variable", "default", "meaning"):
        table.add_column(column)
    for s in SETTINGS:
        table.add_row(
            f"VENEER_{s.name.upper()}", "" if s.default is None else str(s.default), s.help
        )
    Console().print(table)


def _bootstrap(services: Services) -> None:
    from veneer.services import users

    made = users.bootstrap(services)
    if made is None:
        return
    owner, password = made
    console.print(f"[bold]Created the owner account[/bold] {owner['email']}")
    if password:
        console.print(f"  generated password (shown once): [bold yellow]{password}[/bold yellow]")


def _demo(services: Services, port: int, host: str) -> None:
    from veneer.demo import load_demo, owner_account

    info = load_demo(services, owner_account(services))
    base = f"{'https' if services.settings.tls else 'http'}://{host}:{port}"
    env_file = _demo_env_path(services.settings)
    env_file.write_text(
        "".join(f"{k.upper()}={v}\n" for k, v in info.items()) + f"VENEER_URL={base}\n"
    )
    console.print("[bold]Demo stack loaded[/bold]")
    for label in ("api_key", "delivery_token", "management_token", "environment", "entry_uid"):
        console.print(f"  {label}: {info[label]}")
    console.print(f"  (also written to {env_file})")
    console.print(
        "Try it:\n  curl -s -H 'api_key: {api_key}' -H 'access_token: {delivery_token}' "
        "'{base}/v3/content_types/article/entries/{entry_uid}?environment=production'".format(
            base=base, **info
        )
    )
    console.print(
        "The same entry for developers (an entry variant; also 'marketers'): add\n"
        "  -H 'x-cs-variant-uid: developers'"
    )


def _demo_env_path(settings: Settings) -> Path:
    """`demo.env` sits beside a SQLite database, else in ./veneer-data."""
    url = settings.database_url
    folder = (
        Path(url.split("sqlite:///", 1)[1]).parent
        if url.startswith("sqlite:///")
        else Path("veneer-data")
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "demo.env"


@click.group(invoke_without_command=True)
@click.pass_context
def main(ctx: click.Context) -> None:
    """Veneer: a self-hostable CMS that speaks Contentstack's APIs. Without a command: serve."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Worker processes (default: VENEER_WORKERS, 0 = cores).",
)
@click.option(
    "--role",
    type=click.Choice(["all", "delivery"]),
    default=None,
    help="delivery: a read-only node.",
)
@click.option(
    "--ssl-certificate",
    default=None,
    help="PEM certificate file: serve HTTPS (default: VENEER_SSL_CERTIFICATE).",
)
@click.option(
    "--ssl-keyfile",
    default=None,
    help="PEM private key of the certificate (default: VENEER_SSL_KEYFILE).",
)
@click.option("--demo", is_flag=True, help="Load the demo stack first and print its keys.")
@click.option("--help-settings", is_flag=True, help="Print the table of settings and exit.")
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int | None = None,
    role: str | None = None,
    ssl_certificate: str | None = None,
    ssl_keyfile: str | None = None,
    demo: bool = False,
    help_settings: bool = False,
) -> None:
    """Migrate, create the owner on an empty database, and serve the API (over HTTPS with a
    certificate and key)."""
    if help_settings:
        print_settings()
        return
    settings = _settings(
        workers=workers, role=role, ssl_certificate=ssl_certificate, ssl_keyfile=ssl_keyfile
    )
    services = _services(settings)
    _bootstrap(services)
    if demo:
        _demo(services, port, host)
    services.store.dispose()
    os.environ["VENEER_DATABASE_URL"] = settings.database_url
    os.environ["VENEER_ROLE"] = settings.role
    count = settings.workers or os.cpu_count() or 1
    scheme = "https" if settings.tls else "http"
    console.print(
        f"Veneer serving on {scheme}://{host}:{port} ({count} workers, {settings.database_url})"
    )
    server(settings, host, port, count).serve()


def server(settings: Settings, host: str, port: int, workers: int) -> Any:  # a Granian server
    """The Granian server `veneer serve` runs. Each worker serves at most `max_connections`
    connections at once (the rest wait in the listen queue); a client gets `header_timeout` to
    send its headers (the application bounds the body: `body_timeout`); a worker that dies is
    replaced at once (Granian stops only when one dies again within 5.5 s of its replacement:
    a crash loop)."""
    return Granian(
        "veneer.asgi:app",
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        loop=Loops.uvloop,
        log_access=False,
        backlog=2048,
        backpressure=settings.max_connections,
        http1_settings=HTTP1Settings(
            header_read_timeout=max(1, min(60_000, int(settings.header_timeout * 1000)))
        ),
        respawn_failed_workers=True,
        # On SIGTERM/SIGINT each worker stops accepting, finishes the requests in flight and runs
        # the lifespan's shutdown (a running scheduled job finishes); killed after this long.
        workers_kill_timeout=max(1, round(settings.shutdown_timeout)),
        ssl_cert=Path(settings.ssl_certificate) if settings.ssl_certificate else None,
        ssl_key=Path(settings.ssl_keyfile) if settings.ssl_keyfile else None,
    )


@main.command()
def migrate() -> None:
    """Apply the database migrations (and create the owner on an empty database)."""
    from veneer.store.migrate import current

    services = _services(_settings())
    _bootstrap(services)
    console.print(f"Database at revision {current(services.store)}")


@main.command()
@click.option("--port", default=8000, type=int, help="Port to print in the sample curl.")
def demo(port: int) -> None:
    """Load the demo stack (replacing an earlier one) and print its keys."""
    services = _services(_settings())
    _bootstrap(services)
    _demo(services, port, "127.0.0.1")


@main.command()
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--org", default=None, help="Join this organization uid instead of founding one.")
def createuser(email: str, password: str, org: str | None) -> None:
    """Create a user account."""
    from veneer.services import users

    try:
        user = users.create_user(_services(_settings()), email, password, org_uid=org)
    except VeneerError as exc:
        raise click.ClickException(f"{exc.message} {exc.errors}") from None
    console.print(f"Created {user['email']} ({user['uid']})")


@main.command("reset-password")
@click.argument("email")
@click.option(
    "--base-url",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="Where the editor is served, for the printed link.",
)
def reset_password(email: str, base_url: str) -> None:
    """Print a one-time password reset link for an account (valid one hour)."""
    from veneer.services import users

    token = users.issue_password_reset(_services(_settings()), email)
    if token is None:
        raise click.ClickException(f"No account has the email {email}.")
    click.echo(f"{base_url.rstrip('/')}/app/reset-password?token={token}")  # stdout: scriptable
    console.print(
        "The link works once, for one hour. Through the API: POST /v3/user/reset_password "
        f'{{"user": {{"reset_password_token": "{token}", "password": …, '
        '"password_confirmation": …}}',
        soft_wrap=True,
        markup=False,
    )


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--api-key", required=True, help="The stack to load into.")
@click.option("--content-type", "content_type", required=True, help="The content type's uid.")
@click.option("--locale", default=None, help="The entries' locale (default: the master locale).")
@click.option(
    "--environment",
    "environments",
    multiple=True,
    help="Publish each entry to this environment (name or uid) in the locale; repeatable.",
)
@click.option("--batch-size", default=2000, show_default=True, type=click.IntRange(1))
@click.option(
    "--refusals",
    "refusals_path",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write every refused line, with the reason, to this file (JSON Lines).",
)
def load(
    path: str,
    api_key: str,
    content_type: str,
    locale: str | None,
    environments: tuple[str, ...],
    batch_size: int,
    refusals_path: str | None,
) -> None:
    """Load entries from a JSON Lines file (one create body, {"entry": {...}}, per line; - reads
    stdin) into a stack, each validated as the API validates it, in batches of one transaction.
    Exits 1 when a line was refused."""
    from veneer.services import bulk

    request = bulk.Load(content_type, locale, environments, batch_size)
    services = _services(_settings())
    try:
        report = _load_with_progress(services, api_key, request, path)
    except VeneerError as exc:
        raise click.ClickException(f"{exc.message} {exc.errors}") from None
    finally:
        services.store.dispose()
    _print_load_summary(report)
    if refusals_path:
        with Path(refusals_path).open("w") as out:
            for refusal in report.refused:
                out.write(json.dumps({"line": refusal.position + 1, **_refusal_body(refusal)}))
                out.write("\n")
    if report.refused:
        sys.exit(1)


def _json_lines(lines: Iterable[bytes]) -> Iterator[Any]:
    """Each line parsed (a blank line too, so that positions stay line numbers), or Unreadable."""
    from veneer.services.bulk import Unreadable

    for number, line in enumerate(lines, 1):
        try:
            yield orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield Unreadable(f"Line {number} is not JSON: {exc}.")


def _load_with_progress(services: Services, api_key: str, request: Load, path: str) -> Report:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from veneer.services import bulk

    actor = bulk.owner(services, api_key)
    source = sys.stdin.buffer if path == "-" else Path(path).open("rb")  # noqa: SIM115
    total = None if path == "-" else _count_lines(Path(path))
    columns = (
        TextColumn("[bold]loading"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with source, Progress(*columns, console=console) as progress:
        task = progress.add_task("load", total=total, rate="")
        started = time.perf_counter()

        def advance(done: int) -> None:
            completed = progress.tasks[0].completed + done
            rate = completed / max(time.perf_counter() - started, 1e-9)
            progress.update(task, completed=completed, rate=f"{rate:>8,.0f} entries/s")

        return bulk.load_entries(
            services, actor, api_key, request, _json_lines(source), progress=advance
        )


def _count_lines(path: Path) -> int:
    """Lines in a file, counted in blocks (a million lines take a fraction of a second)."""
    count, last = 0, b"\n"
    with path.open("rb") as source:
        while block := source.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


def _refusal_body(refusal: Refusal) -> dict[str, Any]:
    return {
        "error_message": refusal.message,
        "error_code": refusal.error_code,
        "errors": refusal.errors,
    }


def _print_load_summary(report: Report, shown: int = 20) -> None:
    table = Table(title="Load")
    for column in ("loaded", "published", "refused", "seconds", "entries/s"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{report.loaded:,}",
        f"{report.published:,}",
        f"{len(report.refused):,}",
        f"{report.seconds:,.1f}",
        f"{report.rate:,.0f}",
    )
    console.print(table)
    for refusal in report.refused[:shown]:
        console.print(f"line {refusal.position + 1}: {json.dumps(_refusal_body(refusal))}")
    if len(report.refused) > shown:
        console.print(f"… and {len(report.refused) - shown:,} more (see --refusals)")


@main.command()
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
def backup(destination: Path) -> None:
    """Copy the SQLite database (as of one moment, while it serves) and its asset files on disk
    into DESTINATION. PostgreSQL: prints the pg_dump recipe and exits 1."""
    from veneer import backup as backups

    try:
        report = backups.backup(_settings(), destination)
    except backups.BackupRefused as exc:
        raise click.ClickException(str(exc)) from None
    console.print(
        f"Backed up {report.pages:,} pages to {report.database}; asset files: "
        f"{report.files_copied:,} copied, {report.files_present:,} already there"
    )
    for key in report.files_missing:
        console.print(f"[yellow]asset file {key} was deleted during the backup[/yellow]")


@main.command("export")
@click.option("--stack", "api_key", required=True, help="The api key of the stack to export.")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--secrets/--no-secrets",
    default=True,
    show_default=True,
    help="Include the delivery and management tokens (as their hashes: the same tokens work on "
    "the target) and the webhooks (with their signing secrets).",
)
def export_command(api_key: str, directory: Path, secrets: bool) -> None:
    """Write a whole stack into DIRECTORY (new or empty): one NDJSON file per kind of object,
    the asset files, and manifest.json (docs/export-import.md)."""
    from veneer.transfer.export import ExportRefused, export_stack

    services = _services(_settings())
    try:
        with _transfer_progress("exporting") as progress:
            started = time.perf_counter()
            done = export_stack(
                services.store,
                services.blobs(),
                api_key,
                directory,
                secrets=secrets,
                progress=progress,
            )
    except ExportRefused as exc:
        raise click.ClickException(str(exc)) from None
    except VeneerError as exc:
        raise click.ClickException(f"{exc.message} {exc.errors}") from None
    finally:
        services.store.dispose()
    seconds = time.perf_counter() - started
    console.print(
        f"Exported {api_key} to {directory}: {done.counts.get('entries', 0):,} entries, "
        f"{sum(done.counts.values()):,} lines, {done.files:,} asset files in {seconds:,.2f} s"
    )


@main.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--owner",
    default=None,
    help="E-mail of the account that owns the stack here (default: VENEER_ADMIN_EMAIL's).",
)
@click.option("--org", default=None, help="Organization uid (default: the owner's only one).")
@click.option(
    "--replace",
    is_flag=True,
    help="Delete a stack with the same api key first (otherwise the import refuses).",
)
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1))
def import_command(
    directory: Path, owner: str | None, org: str | None, replace: bool, batch_size: int
) -> None:
    """Import a stack exported by `veneer export` into this database (VENEER_DATABASE_URL),
    under the same api key and uids. A folder written by `csdx cm:stacks:export` is imported
    into a new stack (all or nothing). Re-run an interrupted import of either to finish it."""
    from veneer.transfer import csdx
    from veneer.transfer.csdx_folder import branch_folder
    from veneer.transfer.export import MANIFEST
    from veneer.transfer.load import ImportRefused, Options, import_stack

    services = _services(_settings())
    options = Options(owner, org, replace, batch_size)
    try:
        branch = None if (directory / MANIFEST).exists() else branch_folder(directory)
        with _transfer_progress("importing") as progress:
            if branch is not None:
                done = csdx.import_csdx(services, directory, options, progress)
            else:
                done = import_stack(services, directory, options, progress)
    except ImportRefused as exc:
        raise click.ClickException(str(exc)) from None
    except VeneerError as exc:
        raise click.ClickException(f"{exc.message} {exc.errors}") from None
    finally:
        services.store.dispose()
    resumed = " (resumed)" if done.resumed else ""
    console.print(
        f"Imported {done.api_key}{resumed}: {done.counts.get('entries', 0):,} entries, "
        f"{sum(done.counts.values()):,} lines in {done.seconds:,.2f} s"
    )
    for skipped in done.skipped:
        console.print(f"[yellow]skipped {skipped}[/yellow]")


class _Bars:
    """Rich progress bars, one per kind of object (`veneer.transfer.export.Progress`)."""

    def __init__(self, progress: Any) -> None:
        self.progress = progress
        self.tasks: dict[str, Any] = {}

    def start(self, kind: str, total: int) -> None:
        self.tasks[kind] = self.progress.add_task(kind, total=total)

    def advance(self, kind: str, lines: int) -> None:
        self.progress.advance(self.tasks[kind], lines)


@contextlib.contextmanager
def _transfer_progress(verb: str) -> Iterator[_Bars]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (
        TextColumn(f"[bold]{verb}" + " {task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        yield _Bars(progress)


@main.command("settings")
def settings_command() -> None:
    """Print the table of settings."""
    print_settings()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
