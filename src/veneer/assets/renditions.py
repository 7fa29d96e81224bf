"""Renditions computed once, kept on disk within a byte budget.

Resizing and encoding an image costs tens to hundreds of milliseconds of CPU; serving the same
rendition again should cost a file read. The cache is a directory of files named by the SHA-256
of the rendition key (fanned out over 256 subdirectories), written atomically (temp file, fsync,
rename) so a reader never sees half a file, and bounded by evicting the least recently used
files once the budget is exceeded. Recency lives in an in-memory LRU index, so a request does
O(1) work whatever the number of files; the index is rebuilt at start from the files'
modification times, which a hit refreshes, so a restart keeps the cache and roughly its order.
`get_or_render` is single-flight: concurrent requests for a missing rendition wait for one
computation instead of each starting their own (a thundering herd after a purge or a deploy).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

_TMP_SUFFIX = ".tmp"


class RenditionCache:
    def __init__(self, root: Path, budget_bytes: int) -> None:
        self.root = Path(root)
        self.budget = budget_bytes
        self._lock = threading.Lock()
        self._index: OrderedDict[str, int] = OrderedDict()  # name → size, oldest first
        self._total = 0
        self._inflight: dict[str, Future[bytes]] = {}
        self.root.mkdir(parents=True, exist_ok=True)
        self._scan()

    @property
    def total_bytes(self) -> int:
        return self._total

    def __len__(self) -> int:
        return len(self._index)

    def get(self, key: str) -> bytes | None:
        name = _name(key)
        with self._lock:
            if name not in self._index:
                return None
            self._index.move_to_end(name)
        path = self._path(name)
        try:
            data = path.read_bytes()
            os.utime(path)  # recency survives a restart
        except FileNotFoundError:  # evicted (or removed by hand) meanwhile
            self._forget(name)
            return None
        return data

    def put(self, key: str, data: bytes) -> None:
        if len(data) > self.budget:
            return
        name = _name(key)
        path = self._path(name)
        path.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=_TMP_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        with self._lock:
            self._total += len(data) - self._index.pop(name, 0)
            self._index[name] = len(data)
            victims = self._evict()
        for victim in victims:
            self._path(victim).unlink(missing_ok=True)

    def get_or_render(self, key: str, compute: Callable[[], bytes]) -> bytes:
        """The cached rendition, or `compute()`'s result stored; concurrent callers with the same
        key share one computation (and its exception, which is not cached)."""
        cached = self.get(key)
        if cached is not None:
            return cached
        with self._lock:
            future = self._inflight.get(key)
            leader = future is None
            if future is None:
                future = self._inflight[key] = Future()
        if not leader:
            return future.result()
        try:
            data = self.get(key)  # a leader that just finished may have stored it
            if data is None:
                data = compute()
                self.put(key, data)
            future.set_result(data)
            return data
        except BaseException as exc:
            future.set_exception(exc)
            raise
        finally:
            with self._lock:
                del self._inflight[key]

    def _evict(self) -> list[str]:
        """Drop the least recently used entries until within budget (call with the lock held)."""
        victims = []
        while self._total > self.budget and self._index:
            name, size = self._index.popitem(last=False)
            self._total -= size
            victims.append(name)
        return victims

    def _forget(self, name: str) -> None:
        with self._lock:
            self._total -= self._index.pop(name, 0)

    def _scan(self) -> None:
        """Rebuild the index from the directory, oldest first; drop leftovers of a crash."""
        found = []
        for path in self.root.glob("??/*"):
            if path.name.endswith(_TMP_SUFFIX):
                path.unlink(missing_ok=True)
                continue
            stat = path.stat()
            found.append((stat.st_mtime_ns, path.name, stat.st_size))
        for _, name, size in sorted(found):
            self._index[name] = size
            self._total += size
        for victim in self._evict():
            self._path(victim).unlink(missing_ok=True)

    def _path(self, name: str) -> Path:
        return self.root / name[:2] / name


def _name(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
