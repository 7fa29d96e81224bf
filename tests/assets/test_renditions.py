"""The rendition cache on a real directory: budget, LRU order, restart, atomicity, single flight."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from veneer.assets.renditions import RenditionCache


def files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_put_then_get(tmp_path: Path) -> None:
    cache = RenditionCache(tmp_path, 1000)
    cache.put("img1;w=100", b"rendition")
    assert (cache.get("img1;w=100"), cache.get("img1;w=200")) == (b"rendition", None)


def test_file_is_named_by_the_sha256_of_the_key(tmp_path: Path) -> None:
    cache = RenditionCache(tmp_path, 1000)
    cache.put("k", b"x")
    name = "8254c329a92850f6d539dd376f4816ee2764517da5e0235514af433164480d7a"  # sha256("k")
    assert files(tmp_path) == [tmp_path / name[:2] / name]


def test_budget_evicts_least_recently_used(tmp_path: Path) -> None:
    cache = RenditionCache(tmp_path, 300)
    for key in ("a", "b", "c"):
        cache.put(key, key.encode() * 100)
    assert cache.get("a") == b"a" * 100  # a is now the most recent
    cache.put("d", b"d" * 100)
    present = [k for k in "abcd" if cache.get(k) is not None]
    assert (present, cache.total_bytes, len(files(tmp_path))) == (["a", "c", "d"], 300, 3)


def test_replacing_a_key_counts_its_size_once(tmp_path: Path) -> None:
    cache = RenditionCache(tmp_path, 1000)
    cache.put("a", b"1" * 100)
    cache.put("a", b"2" * 50)
    assert (cache.get("a"), cache.total_bytes, len(cache)) == (b"2" * 50, 50, 1)


def test_an_item_over_the_budget_is_not_stored(tmp_path: Path) -> None:
    cache = RenditionCache(tmp_path, 10)
    cache.put("big", b"x" * 11)
    assert (cache.get("big"), files(tmp_path)) == (None, [])


def path_of(root: Path, key: str) -> Path:
    name = hashlib.sha256(key.encode()).hexdigest()
    return root / name[:2] / name


def test_restart_keeps_files_and_their_order(tmp_path: Path) -> None:
    first = RenditionCache(tmp_path, 300)
    for key, used_at in (("a", 3000), ("b", 1000), ("c", 2000)):
        first.put(key, key.encode() * 100)
        os.utime(path_of(tmp_path, key), (used_at, used_at))
    second = RenditionCache(tmp_path, 300)
    assert second.total_bytes == 300
    second.put("d", b"d" * 100)  # evicts the least recently used before the restart: b
    assert [k for k in "abcd" if second.get(k) is not None] == ["a", "c", "d"]


def test_a_hit_refreshes_the_recency_kept_on_disk(tmp_path: Path) -> None:
    cache = RenditionCache(tmp_path, 300)
    cache.put("a", b"x")
    os.utime(path_of(tmp_path, "a"), (1000, 1000))
    cache.get("a")
    assert path_of(tmp_path, "a").stat().st_mtime > 1000


def test_restart_with_a_smaller_budget_evicts(tmp_path: Path) -> None:
    first = RenditionCache(tmp_path, 1000)
    for key in ("a", "b", "c"):
        first.put(key, b"x" * 100)
    second = RenditionCache(tmp_path, 150)
    assert (len(second), len(files(tmp_path))) == (1, 1)


def test_restart_removes_half_written_temp_files(tmp_path: Path) -> None:
    RenditionCache(tmp_path, 1000).put("a", b"x")
    leftover = next(iter(files(tmp_path))).parent / "crashed.tmp"
    leftover.write_bytes(b"half")
    cache = RenditionCache(tmp_path, 1000)
    assert (leftover.exists(), cache.total_bytes) == (False, 1)


def test_a_file_removed_by_hand_is_a_miss(tmp_path: Path) -> None:
    cache = RenditionCache(tmp_path, 1000)
    cache.put("a", b"x" * 10)
    for path in files(tmp_path):
        path.unlink()
    assert (cache.get("a"), cache.total_bytes) == (None, 0)


def test_concurrent_get_or_render_computes_once(tmp_path: Path) -> None:
    cache = RenditionCache(tmp_path, 10_000)
    calls, started, release = [], threading.Event(), threading.Event()

    def compute() -> bytes:
        calls.append(1)
        started.set()
        release.wait(10)
        return b"rendered"

    results: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_render("k", compute)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    started.wait(10)
    release.set()
    for thread in threads:
        thread.join(10)
    assert (len(calls), results, cache.get("k")) == (1, [b"rendered"] * 8, b"rendered")


def test_get_or_render_serves_the_cache(tmp_path: Path) -> None:
    cache = RenditionCache(tmp_path, 1000)
    cache.put("k", b"cached")

    def compute() -> bytes:
        raise AssertionError("must not compute")

    assert cache.get_or_render("k", compute) == b"cached"


def test_a_failed_render_is_not_cached_and_can_be_retried(tmp_path: Path) -> None:
    cache = RenditionCache(tmp_path, 1000)

    def fail() -> bytes:
        raise ValueError("bad image")

    with pytest.raises(ValueError, match="bad image"):
        cache.get_or_render("k", fail)
    assert cache.get_or_render("k", lambda: b"ok") == b"ok"
