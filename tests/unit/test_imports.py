"""The package's import graph has no cycle, and each stage imports only what comes before it.

Every import statement of ``paiban`` counts, those inside functions too (an import
deferred to run time still ties two modules together); imports under
``if TYPE_CHECKING:`` do not (they never run). ``from paiban.x import y`` is an edge
to the module ``paiban.x.y`` when there is one, else to ``paiban.x``.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "paiban"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(tree: ast.AST, here: str, is_package: bool, modules: dict[str, Path]) -> set[str]:
    edges: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return
        if isinstance(node, ast.Import):
            edges.update(a.name for a in node.names if a.name.startswith("paiban"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = here if is_package else here.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            if base.startswith("paiban"):
                for alias in node.names:
                    edges.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {e for e in edges if e in modules and e != here}


def graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(ast.parse(path.read_text("utf-8")), name, path.name == "__init__.py", modules)
            for name, path in modules.items()}


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_import_graph_has_no_cycle() -> None:
    cycle = _cycle(graph())
    assert cycle is None, " → ".join(cycle or [])


def test_the_reader_and_the_model_know_nothing_of_the_builders() -> None:
    edges = graph()
    for name, targets in edges.items():
        if name.startswith(("paiban.reader", "paiban.model", "paiban.tree", "paiban.transforms")):
            assert not {t for t in targets if t.startswith(("paiban.builders", "paiban.compose", "paiban.workbench",
                                                            "paiban.cli"))}, name


def test_no_builder_imports_another() -> None:
    edges = graph()
    for name, targets in edges.items():
        for a, b in (("paiban.builders.epub", "paiban.builders.pdf"), ("paiban.builders.pdf", "paiban.builders.epub")):
            if name.startswith(a):
                assert not any(t.startswith(b) for t in targets), (name, targets)


def test_a_cycle_is_found_when_there_is_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
