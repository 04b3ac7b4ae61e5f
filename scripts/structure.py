"""Check the layout: import cycles, and classes and modules grown too large.

    python scripts/structure.py [--max-class 250] [--max-module 400]

Looks for import cycles in the integration (custom_components/mycirrus) and
the simulator, and for oversized classes and modules in the integration. A
cycle counts every import between their modules, those under TYPE_CHECKING
included; a package's __init__ that re-exports its own modules is no cycle.
Prints one line per finding; exits 1 if there is any. tests/test_structure.py
runs it with the other tests.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parent.parent
# (folder, package, whether its sizes are checked)
PACKAGES = (("custom_components", "mycirrus", True), (".", "simulator", False))


def module_name(base: Path, path: Path) -> str:
    """Return the dotted name of a module file under ``base``."""
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(module: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    """Return the modules an import names, as dotted names (candidates)."""
    if node.level == 0:
        base = node.module or ""
        if base.startswith("custom_components."):
            base = base.removeprefix("custom_components.")
    else:
        parts = module.split(".")
        if not is_package:
            parts = parts[:-1]
        if node.level > 1:
            parts = parts[: len(parts) - (node.level - 1)]
        base = ".".join([*parts, *([node.module] if node.module else [])])
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def graph_of(
    modules: dict[str, Path], sized: set[str]
) -> tuple[dict[str, set[str]], list[str]]:
    """Return each module's imports of the others, and the size findings.

    Sizes are checked for the modules in ``sized``.
    """
    graph: dict[str, set[str]] = {name: set() for name in modules}
    sizes: list[str] = []
    for name, path in modules.items():
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        lines = len(text.splitlines())
        rel = path.relative_to(ROOT)
        checked = name in sized
        if checked and lines > ARGS.max_module:
            sizes.append(f"module {rel}: {lines} lines > {ARGS.max_module}")
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and checked:
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > ARGS.max_class:
                    sizes.append(
                        f"class {node.name} in {rel}: {size} lines > {ARGS.max_class}"
                    )
            elif isinstance(node, ast.ImportFrom):
                is_package = path.name == "__init__.py"
                for candidate in imported(name, is_package, node):
                    if candidate in modules and candidate != name:
                        graph[name].add(candidate)
                        break
    # A package's __init__ re-exporting its children is not a cycle of design.
    for name, targets in graph.items():
        graph[name] = {t for t in targets if not name.startswith(t + ".")}
    return graph, sizes


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def main() -> int:
    """Print the findings; return 1 if there is any."""
    modules: dict[str, Path] = {}
    sized: set[str] = set()
    for base, package, check_sizes in PACKAGES:
        top = (ROOT / base).resolve()
        for path in sorted((top / package).rglob("*.py")):
            modules[name := module_name(top, path)] = path
            if check_sizes:
                sized.add(name)
    graph, findings = graph_of(modules, sized)
    found = cycles(graph)
    findings += [f"import cycle among {len(c)} modules: {', '.join(c)}" for c in found]
    for finding in findings:
        print(finding)
    print(
        f"structure: {len(modules)} modules, {len(found)} import cycles, "
        f"{len(findings) - len(found)} classes or modules over the limits"
    )
    return 1 if findings else 0


PARSER = argparse.ArgumentParser(description=__doc__.splitlines()[0])
PARSER.add_argument("--max-class", type=int, default=250)
PARSER.add_argument("--max-module", type=int, default=400)
ARGS = PARSER.parse_args([])

if __name__ == "__main__":
    ARGS = PARSER.parse_args()
    sys.exit(main())
