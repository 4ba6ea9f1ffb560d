"""The package's layout (docs/ARCHITECTURE.md): imports run one way between the stages' folders,
no module imports another that imports it back, and no module is over 400 lines."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "hcc_kg"
#: each folder (or top-level module) and the rank of its layer: a module may import only from its
#: own folder or from a lower rank. The base modules are imported by all.
RANK = {"constants": 0, "errors": 0, "models": 0, "vocab": 0, "prefixes": 0, "receipt": 0,
        "build": 1, "answer": 2, "export": 3, "publish": 4, "web": 5, "curate": 5, "bench": 6,
        "cli": 7, "__init__": 7}


def modules() -> dict[str, Path]:
    return {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__"): p
            for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path, top_level_only: bool = False) -> set[str]:
    """The hcc_kg modules a file imports (``from hcc_kg import __version__`` is the base)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hcc_kg"):
            if node.module == "hcc_kg":
                found |= {f"hcc_kg.{a.name}" for a in node.names if a.name != "__version__"}
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("hcc_kg.")}
    return found


MODULES = modules()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_one_way(module):
    here = layer(module)
    upward = sorted(t for t in imports(MODULES[module]) if layer(t) != here and RANK[layer(t)] > RANK[here])
    assert upward == [], f"{module} ({here}) imports from a later stage: {upward}"


def test_no_import_cycle():
    graph = {m: {t for t in imports(p, top_level_only=True) if t in MODULES and t != m} for m, p in MODULES.items()}
    seen: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        seen[m] = 1
        for t in graph[m]:
            assert seen.get(t) != 1, f"import cycle: {' -> '.join([*path, t])}"
            if t not in seen:
                visit(t, [*path, t])
        seen[m] = 2

    for m in graph:
        if m not in seen:
            visit(m, [m])


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_over_400_lines(module):
    assert len(MODULES[module].read_text(encoding="utf-8").splitlines()) <= 400, module


def test_every_test_file_is_collected():
    """`pytest` with no argument (the README's command) collects every test file. pytest skips a
    folder named like build output (build/, dist/) unless pyproject.toml says otherwise, and
    tests/build/ went unrun that way."""
    root = PACKAGE.parent
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-o", "addopts=", "-p", "no:cacheprovider"],
                          cwd=root, capture_output=True, text=True, timeout=300, check=False)
    collected = {line.split("::")[0] for line in done.stdout.splitlines() if "::" in line}
    files = {p.relative_to(root).as_posix() for p in (root / "tests").rglob("test_*.py")}
    assert sorted(files - collected) == [], done.stdout[-2000:] + done.stderr[-2000:]
