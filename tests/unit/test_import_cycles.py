"""No import circles: a module never imports (directly or through others, lazily inside a function too) a
module that imports it back. Checked on the import graph import-linter builds (grimp), so a circle that the
interpreter tolerates today because one side imports late still fails here."""
from __future__ import annotations

import grimp

#: the modules (and packages, with everything under them) that must stay out of every circle; widen to
#: ("terminal", "drivers") once the store, the sandbox, the UI and pcsc have lost theirs
CHECKED = ("terminal.cli", "terminal.commands", "terminal.config", "terminal.doctor")


def circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The graph's circles: each strongly connected set of more than one module, sorted (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        while work:
            node, edges = work[-1]
            child = next(edges, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                members = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    members.append(m)
                    if m == node:
                        break
                if len(members) > 1:
                    found.append(sorted(members))
    return found


def _checked(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in CHECKED)


def test_cli_commands_config_and_doctor_are_in_no_import_circle():
    graph = grimp.build_graph("terminal", "drivers", cache_dir=None)  # no cache files in the tree
    assert "terminal.commands.common" in graph.modules and "terminal.doctor.runner" in graph.modules
    bad = [c for c in circles(graph) if any(_checked(m) for m in c)]
    assert not bad, "import circles: " + "; ".join(" <-> ".join(c) for c in bad)


def test_circles_finds_a_circle_through_several_modules_and_only_that():
    graph = grimp.ImportGraph()
    for module in ("p", "p.a", "p.b", "p.c", "p.d"):
        graph.add_module(module)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.c")
    graph.add_import(importer="p.c", imported="p.a")  # a -> b -> c -> a
    graph.add_import(importer="p.d", imported="p.a")  # d only leads into it
    assert circles(graph) == [["p.a", "p.b", "p.c"]]
