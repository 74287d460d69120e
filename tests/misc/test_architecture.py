"""The import structure ARCHITECTURE.md describes: the import-linter contracts in pyproject.toml
(stage layers; layers inside evaluate/) hold, and no fairgov module imports itself through a cycle.

Both read the whole import graph (grimp), function-level imports included, so a deferred import
does not hide a layer violation or a cycle."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parents[2]

#: cycles known to be removed by a parallel change (issue 17, 17b: structured reasons replace
#: render/reasons.py's text matching); the test fails once they are gone, so that this entry
#: is deleted with them
KNOWN_CYCLES: set[frozenset[str]] = set()


def import_cycles(graph: grimp.ImportGraph) -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[frozenset[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
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
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                members = set()
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    members.add(top)
                    if top == node:
                        break
                if len(members) > 1:
                    out.append(frozenset(members))
    return out


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("fairgov", cache_dir=None)


def test_import_contracts_hold() -> None:
    # in a child process (about 2 s): import-linter's console output outlives pytest's capture
    lint = Path(sys.executable).with_name("lint-imports")
    cmd = [str(lint), "--no-cache", "--config", str(REPO / "pyproject.toml")]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "4 kept, 0 broken" in proc.stdout, proc.stdout


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    assert set(import_cycles(graph)) == KNOWN_CYCLES


def test_cycle_finder_finds_a_cycle() -> None:
    g = grimp.ImportGraph()
    for name in ("p", "p.a", "p.b", "p.c", "p.d"):
        g.add_module(name)
    for importer, imported in (("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.d", "p.a")):
        g.add_import(importer=importer, imported=imported)
    assert import_cycles(g) == [frozenset({"p.a", "p.b", "p.c"})]


def test_vocabulary_is_the_bottom_layer(graph: grimp.ImportGraph) -> None:
    assert graph.find_modules_directly_imported_by("fairgov.vocabulary") == set()
