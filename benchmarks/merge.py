"""Micro-benchmark of the delivery merge (`veneer.domain.patches.merge`) alone.

Prints two series: the time of one merge of 3 published variants as the *change sets* grow with
the entry's size fixed, and as the *entry* grows with the change sets fixed. The merge copies only
what the patches touch, so the first series should grow and the second stay flat. A third series times the same merges
explained (`explain_merge`), which records the losers the plain merge skips.

    .venv/bin/python benchmarks/merge.py
"""

from __future__ import annotations

import timeit
from typing import Any

from veneer.domain.patches import compile_patch
from veneer.domain.variants import edit_variant

REPEAT = 2000


def schema(fields: int) -> list[dict[str, Any]]:
    return [
        {"uid": "title", "data_type": "text"},
        *({"uid": f"f{i}", "data_type": "text"} for i in range(fields)),
        {
            "uid": "items",
            "data_type": "group",
            "multiple": True,
            "schema": [{"uid": "label", "data_type": "text"}, {"uid": "body", "data_type": "text"}],
        },
    ]


def base(fields: int, instances: int) -> dict[str, Any]:
    doc: dict[str, Any] = {"title": "base", **{f"f{i}": "x" * 40 for i in range(fields)}}
    doc["items"] = [
        {"label": f"l{i}", "body": "y" * 80, "_metadata": {"uid": f"cs{i:016x}"}}
        for i in range(instances)
    ]
    return doc


def patches(fields: int, doc: dict[str, Any], changes: int) -> list[dict[str, Any]]:
    """Three variants, each changing `changes` top-level fields and one instance."""
    counter = iter(range(10**6))
    out = []
    for n in range(3):
        edit = {f"f{i}": f"variant {n}" for i in range(min(changes, fields))}
        edit["items"] = [
            {"label": f"v{n}", "_metadata": {"uid": doc["items"][n]["_metadata"]["uid"]}}
        ]
        stored = edit_variant(schema(fields), doc, None, edit, lambda: f"cs{next(counter):016x}")
        out.append(compile_patch(schema(fields), stored, f"variant{n}"))
    return out


def time_merge(fields: int, instances: int, changes: int, explain: bool = False) -> float:
    from veneer.domain.patches import explain_merge, merge

    doc = base(fields, instances)
    ready = patches(fields, doc, changes)
    run = explain_merge if explain else merge
    seconds = timeit.timeit(lambda: run(doc, ready), number=REPEAT)
    return seconds / REPEAT * 1e6


def main() -> None:
    print("Series A: entry fixed (200 fields, 50 group instances), change sets grow")
    print(f"{'changed fields per variant':>28} {'µs per merge':>14}")
    for changes in (1, 5, 20, 50, 100, 200):
        print(f"{changes:>28} {time_merge(200, 50, changes):>14.1f}")
    print()
    print("Series B: change sets fixed (5 fields + 1 instance per variant), entry grows")
    print(f"{'entry fields / instances':>28} {'µs per merge':>14}")
    for size in (10, 50, 200, 1000, 5000):
        print(f"{f'{size} / {size // 4}':>28} {time_merge(size, max(3, size // 4), 5):>14.1f}")
    print()
    print("Series C: as A, with the explanation (`explain_merge`, include_variant_explain=true)")
    print(f"{'changed fields per variant':>28} {'µs per merge':>14}")
    for changes in (1, 5, 20, 50, 100, 200):
        print(f"{changes:>28} {time_merge(200, 50, changes, explain=True):>14.1f}")


if __name__ == "__main__":
    main()
