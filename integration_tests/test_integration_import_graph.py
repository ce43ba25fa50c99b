"""No import cycle inside any workspace package (issue 18): every import counts, at module level or inside a
function (an import moved into a function to dodge a cycle is still one), TYPE_CHECKING blocks included.

The graph is read with the stdlib `ast` from the files themselves, so nothing is imported to test it."""

from __future__ import annotations

import ast
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def workspace_packages() -> list[Path]:
    """Each workspace member's import package (its folder holding an __init__.py)."""
    members = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]["members"]
    return [init.parent for member in members for init in sorted((ROOT / member).glob("*/__init__.py"))]


def modules(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package (a subpackage is its __init__.py)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _within(name: str, known: dict[str, Path]) -> str:
    """The longest prefix of `name` that is a module of the package ("" when it names none)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name


def import_graph(known: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the modules of the same package it imports."""
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [_within(alias.name, known) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join([*here[: len(here) - node.level + 1], *([node.module] if node.module else [])])
                # `from pkg import name`: the submodule pkg.name when there is one, else pkg itself.
                targets = [_within(f"{base}.{alias.name}", known) or _within(base, known) for alias in node.names]
            graph[name].update(t for t in targets if t and t != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_given_every_workspace_package_when_its_imports_are_read_then_no_modules_import_each_other_in_a_circle():
    packages = workspace_packages()
    assert {p.name for p in packages} >= {"tieout_core", "spectrum_client", "destination_spectrum", "source_spectrum"}
    found = {p.name: cycles(import_graph(modules(p))) for p in packages}
    assert found == {p.name: [] for p in packages}


def test_given_a_package_whose_modules_import_each_other_inside_a_function_when_read_then_the_circle_is_named(
    tmp_path,
):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.sub import b\n")
    (package / "sub" / "b.py").write_text("def late():\n    from .. import c\n")
    (package / "c.py").write_text("import pkg.a\n")
    (package / "d.py").write_text("from pkg import a, c\n")  # imports into the circle, not part of it
    assert cycles(import_graph(modules(package))) == [["pkg.a", "pkg.c", "pkg.sub.b"]]
