"""No import circles among the modules of the store, the backend and the drivers, and none of them over 500 lines.

The graph is grimp's (the library under import-linter), built in this process from the source; imports made only
for type checking (``if TYPE_CHECKING:``) and imports inside functions count too: a circle that only the type
checker or a late import follows is still a circle in the design.
"""
from __future__ import annotations


import grimp
import pytest

from tests.support import ROOT

LAYERS = ("terminal.store", "terminal.backend", "drivers")
MAX_LINES = 500
SIZED = ("terminal/store", "terminal/backend", "drivers/pcsc", "drivers/scanner")


def _inside(module: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in LAYERS)


def _circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    nodes = sorted(m for m in graph.modules if _inside(m))
    edges = {m: sorted(n for n in graph.find_modules_directly_imported_by(m) if _inside(n) and n != m)
             for m in nodes}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(root: str) -> None:
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    component.append(m)
                    if m == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

    for n in nodes:
        if n not in index:
            visit(n)
    return found


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("terminal", "drivers", cache_dir=None)


def test_the_circle_finder_sees_a_circle() -> None:
    g = grimp.ImportGraph()
    for m in ("drivers.a", "drivers.b", "drivers.c"):
        g.add_module(m)
    g.add_import(importer="drivers.a", imported="drivers.b")
    g.add_import(importer="drivers.b", imported="drivers.a")
    g.add_import(importer="drivers.b", imported="drivers.c")
    assert _circles(g) == [["drivers.a", "drivers.b"]]


def test_no_import_circles_in_store_backend_and_drivers(graph: grimp.ImportGraph) -> None:
    assert any(m.startswith("terminal.store.") for m in graph.modules)  # the graph holds the packages at all
    report = []
    for component in _circles(graph):
        a, b = component[0], component[1]
        there = graph.find_shortest_chain(importer=a, imported=b) or ()
        back = graph.find_shortest_chain(importer=b, imported=a) or ()
        report.append(f"{', '.join(component)}: {' -> '.join(there)} and {' -> '.join(back)}")
    assert not report, "import circles:\n" + "\n".join(report)


def test_no_module_over_500_lines() -> None:
    long = {}
    for d in SIZED:
        for f in sorted((ROOT / d).rglob("*.py")):
            n = len(f.read_text(encoding="utf-8").splitlines())
            if n > MAX_LINES:
                long[str(f.relative_to(ROOT))] = n
    assert not long, f"modules over {MAX_LINES} lines: {long}"
