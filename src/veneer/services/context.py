"""What every service operation receives: the store, the settings, and who is asking."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from veneer.settings import Settings
from veneer.store import Store

Listener = Callable[[str, dict[str, Any]], None]


@dataclass
class Services:
    """The wiring shared by the API, the editor UI and the CLI."""

    store: Store
    settings: Settings
    listeners: list[Listener] = field(default_factory=list)

    def emit(self, event: str, payload: dict[str, Any]) -> None:
        """Called by services after a successful commit, never inside a transaction."""
        for listener in self.listeners:
            listener(event, payload)


@dataclass(frozen=True)
class Actor:
    """An authenticated caller.

    kind: "user" (authtoken or editor session), "management" (management token) or
    "delivery" (delivery token). Tokens are bound to one stack; users reach the stacks of their
    organizations.
    """

    kind: str
    uid: str
    stack: str | None = None
    can_write: bool = True
    environments: tuple[str, ...] = ()
    user: dict[str, Any] | None = None

    @property
    def is_user(self) -> bool:
        return self.kind == "user"
