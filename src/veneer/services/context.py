"""What every service operation receives: the store, the settings, and who is asking."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from veneer.assets.blobs import BlobStore, open_blobs
from veneer.passwords import Passwords
from veneer.settings import Settings
from veneer.store import Store


@dataclass
class Services:
    """The wiring shared by the API, the editor UI and the CLI."""

    store: Store
    settings: Settings
    passwords: Passwords = field(default_factory=Passwords)
    _blobs: BlobStore | None = field(default=None, repr=False)

    def blobs(self) -> BlobStore:
        """The blob store asset files live in (`veneer.assets.blobs`), opened on first use."""
        if self._blobs is None:
            self._blobs = open_blobs(self.settings.blob_store, self.store, self.settings.data_dir)
        return self._blobs


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
    environments: tuple[str, ...] = ()
    user: dict[str, Any] | None = None
    # The modules a management token's scope lets it read and write (services.access); None: all.
    reads: frozenset[str] | None = None
    writes: frozenset[str] | None = None

    @property
    def is_user(self) -> bool:
        return self.kind == "user"

    def permits(self, module: str, write: bool = False) -> bool:
        """Whether this caller may read (or write) `module` of its stack. A token may always read
        the stack it is bound to; what else, its scope says."""
        allowed = self.writes if write else self.reads
        if allowed is None:
            return True
        return module in allowed or (module == "stack" and not write)
