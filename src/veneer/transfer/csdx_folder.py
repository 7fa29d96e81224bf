"""Reading the folder `csdx cm:stacks:export` writes (csdx.py imports it): which folder is the
branch's, its JSON files, the objects in them, the chunk files of a part in their order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from veneer.transfer.load import ImportRefused


def branch_folder(directory: Path) -> Path | None:
    """The branch folder of a csdx export in `directory` (the folder itself, or its branch's
    folder when it holds `branches.json`), or None when it is not a csdx export."""
    branches = directory / "branches.json"
    if branches.is_file():
        names = [b.get("uid") for b in read_json(branches) or [] if isinstance(b, dict)]
        found = [directory / n for n in names if isinstance(n, str) and (directory / n).is_dir()]
        if len(found) == 1:
            return found[0]
        if (directory / "main").is_dir():
            return directory / "main"
        raise ImportRefused(
            f"{directory} holds the export of {len(found)} branches: import one branch's folder."
        )
    if (directory / "export-info.json").is_file() or any(
        (directory / part).is_dir() for part in ("content_types", "entries")
    ):
        return directory
    return None


def read_json(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ImportRefused(f"{path} is not JSON: {exc}.") from None


def values(raw: Any) -> list[Any]:
    """The objects of a csdx file: a list, or an object keyed by uid (what is not an object in
    it is left out)."""
    found = raw.values() if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    return [item for item in found if isinstance(item, dict)]


def number(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdecimal() else (0, key)


def chunk_files(folder: Path) -> list[Path]:
    index = read_json(folder / "index.json") if (folder / "index.json").is_file() else {}
    return [folder / index[k] for k in sorted(index, key=number) if (folder / index[k]).is_file()]


def stack_name(folder: Path) -> str:
    projects = folder / "personalize" / "projects" / "projects.json"
    if projects.is_file():
        for project in values(read_json(projects)):
            if isinstance(project, dict) and project.get("name"):
                return str(project["name"])
    return f"Imported from {folder.resolve().name}"
