"""The package's import graph: one-way layers, no cycles, no imports hidden inside functions.

A cycle held together by function-level imports is still a cycle: this test reads every module of
`veneer` with `ast`, collects all its imports of other `veneer` modules wherever they stand, and
fails on any strongly connected component larger than one module and on any function-level import
that is not on the short list of deliberate lazy imports below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import veneer

ROOT = Path(veneer.__file__).resolve().parent

# (importing module, imported module): lazy on purpose, not to dodge a cycle.
LAZY = {
    ("veneer.store", "veneer.store.sqlite"),  # only the database in use is imported
    ("veneer.store", "veneer.store.postgres"),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in ROOT.rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    }


def _resolve(name: str, level: int, current: str, is_package: bool) -> str:
    if level == 0:
        return name
    base = current.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


def _imports(name: str, path: Path, known: set[str]) -> list[tuple[str, bool]]:
    """(imported veneer module, whether the import stands inside a function)."""
    tree = ast.parse(path.read_text(), str(path))
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                found.extend((alias.name, inside) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = _resolve(child.module or "", child.level, name, path.name == "__init__.py")
                for alias in child.names:
                    full = f"{base}.{alias.name}"
                    found.append((full if full in known else base, inside))
            visit(child, inside)

    visit(tree, False)
    return [(target, inside) for target, inside in found if target in known and target != name]


def _graph() -> tuple[dict[str, set[str]], list[tuple[str, str]]]:
    modules = _modules()
    known = set(modules)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    hidden: list[tuple[str, str]] = []
    for name, path in modules.items():
        for target, inside in _imports(name, path, known):
            graph[name].add(target)
            if inside and (name, target) not in LAZY and not name.startswith("veneer.cli"):
                hidden.append((name, target))
    return graph, hidden


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_package_has_no_import_cycle() -> None:
    graph, _ = _graph()
    assert _cycles(graph) == []


def test_no_veneer_import_hides_inside_a_function() -> None:
    _, hidden = _graph()
    assert hidden == []


def test_the_check_sees_a_cycle_when_there_is_one() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_the_check_sees_function_level_imports() -> None:
    graph, _ = _graph()
    assert "veneer.errors" in graph["veneer.api.responses"]  # a module-level import is an edge
    tree_imports = _imports(
        "veneer.x", Path(__file__), {"veneer.errors", "veneer.x"}
    )  # this file imports no veneer module inside a function
    assert all(not inside for _, inside in tree_imports)
