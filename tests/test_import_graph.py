"""The import graph of src/shopops: no module imports itself back through others, and only
entry points import entry points. `lint-imports` (pyproject, run by `./shopops test`) checks
the layers between apps; these two rules are about modules, which its contracts can't say."""

import grimp
import pytest

# Task modules are entry points too, but a service may import one to enqueue its work.
ENTRY_MODULES = {"views", "api", "admin", "urls", "forms"}
ENTRY_PACKAGES = ("shopops.cli", "shopops.devtools", "shopops.web", "shopops.api", "shopops.urls")


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("shopops", include_external_packages=False)


def modules(graph):
    return sorted(m for m in graph.modules if ".migrations" not in m)


def is_entry(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return (
        last in ENTRY_MODULES
        or last.endswith("_views")
        or module.startswith(ENTRY_PACKAGES)
        or ".tests" in module
    )


def strongly_connected(graph) -> list[list[str]]:
    """Tarjan's components of more than one module (iterative: the graph is deep)."""
    names = modules(graph)
    known = set(names)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & known) for m in names}
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for root in names:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            if i < len(edges[node]):
                work.append((node, i + 1))
                nxt = edges[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
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
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def test_strongly_connected_finds_a_planted_cycle():
    g = grimp.ImportGraph()
    for m in ("p", "p.a", "p.b", "p.c"):
        g.add_module(m)
    g.add_import(importer="p.a", imported="p.b")
    g.add_import(importer="p.b", imported="p.c")
    g.add_import(importer="p.c", imported="p.a")
    g.add_import(importer="p", imported="p.a")
    assert strongly_connected(g) == [["p.a", "p.b", "p.c"]]


def test_no_import_cycle_between_modules(graph):
    assert strongly_connected(graph) == []


def test_only_entry_points_import_entry_points(graph):
    wrong = []
    for module in modules(graph):
        if is_entry(module):
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.startswith("shopops.") and is_entry(imported):
                lines = [
                    d["line_number"]
                    for d in graph.get_import_details(importer=module, imported=imported)
                ]
                wrong.append(f"{module} -> {imported} (line {lines})")
    assert wrong == []
