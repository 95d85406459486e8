"""The house rules of docs/architecture.md, checked on the import graph of ``hub/``, ``workers/``
and ``schemas/`` (imports under ``if TYPE_CHECKING:`` are for the type checker and do not count).

- no module imports itself back through others (no runtime cycle);
- no import of our own code inside a function (the usual way of hiding a cycle);
- ``realtime/`` knows no domain and not the composition root (it receives ports);
- a domain imports neither ``realtime/`` nor the composition root (``hub.services``, ``hub.app``);
- ``schemas/`` imports nothing of ours but ``schemas/`` and ``hub.limits`` (a leaf of constants, so
  that a wire shape states the very limit the rule book names).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("hub", "workers", "schemas")
OURS = PACKAGES
# The domains: each owns its collections and its rules, and is built by the composition root.
DOMAINS = (
    "hub.identity",
    "hub.projects",
    "hub.boards",
    "hub.hubs",
    "hub.gatherings",
    "hub.announcements",
    "hub.notifications",
    "hub.webhooks",
    "hub.residents",
    "hub.calendar",
)
COMPOSITION_ROOT = ("hub.services", "hub.app")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(node: ast.Import | ast.ImportFrom, module: str, path: Path) -> list[str]:
    """The modules of ours an import statement loads."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module if path.name == "__init__.py" else module.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{base}" if base else package
        names = []
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            names.append(sub if sub in MODULES else base)
    return [name for name in names if name.split(".")[0] in OURS]


def _imports(module: str, path: Path) -> tuple[set[str], list[str]]:
    """(modules imported when ``module`` runs, imports of ours found inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    runtime: set[str] = set()
    hidden: list[str] = []

    def walk(node: ast.AST, *, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    walk(other, in_function=in_function)
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                targets = _targets(child, module, path)
                if in_function and targets:
                    hidden.append(f"{module}:{child.lineno} imports {', '.join(targets)} inside a function")
                runtime.update(targets)
                continue
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            walk(child, in_function=nested)

    walk(tree, in_function=False)
    runtime.discard(module)
    return runtime, hidden


GRAPH: dict[str, set[str]] = {}
HIDDEN: list[str] = []
for _name, _path in MODULES.items():
    GRAPH[_name], _hidden = _imports(_name, _path)
    HIDDEN.extend(_hidden)


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in graph:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_is_read() -> None:
    # A walker that finds nothing would pass every rule below.
    assert "hub.app" in GRAPH and "hub.services" in GRAPH["hub.app"]
    assert len(GRAPH) > 100


def test_no_import_cycle() -> None:
    assert _cycles(GRAPH) == []


def test_no_import_of_ours_inside_a_function() -> None:
    assert HIDDEN == []


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _within(m, ("hub.realtime",))))
def test_realtime_knows_no_domain_and_no_composition_root(module: str) -> None:
    wrong = sorted(t for t in GRAPH[module] if _within(t, DOMAINS + COMPOSITION_ROOT))
    assert wrong == [], f"{module} imports {wrong}"


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _within(m, DOMAINS)))
def test_a_domain_knows_neither_realtime_nor_the_composition_root(module: str) -> None:
    wrong = sorted(t for t in GRAPH[module] if _within(t, ("hub.realtime", *COMPOSITION_ROOT)))
    assert wrong == [], f"{module} imports {wrong}"


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _within(m, ("schemas",))))
def test_schemas_import_nothing_of_ours(module: str) -> None:
    wrong = sorted(t for t in GRAPH[module] if not _within(t, ("schemas", "hub.limits")))
    assert wrong == [], f"{module} imports {wrong}"


def test_limits_are_a_leaf() -> None:
    assert GRAPH["hub.limits"] == set()
