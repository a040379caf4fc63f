"""The package's layout is its architecture: imports flow one way, with no cycle.

Bottom to top: the base modules (errors, atomic writes, version) < ``model`` < ``engines`` <
``training`` < ``io`` < ``seeing`` < ``distributed`` (restarts and sweeps on a Dask cluster) < the front
ends (``cli``, ``sklearn``, ``playground``). A module may import its own package's modules and any lower package's, never a
higher one's — not even inside a function — and no two modules import each other, directly or
round a longer loop. Every ``import`` statement counts, wherever it stands in the file.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import neuronet

ROOT = Path(neuronet.__file__).parent
LAYERS = {"_base": 0, "model": 1, "engines": 2, "training": 3, "io": 4, "seeing": 5, "distributed": 6, "_front": 7}
BASE = {"errors", "_atomic", "_callable", "_version", "_limits", "_inputs", "_memory"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["neuronet", *parts])


MODULES = {_module_name(p): p for p in ROOT.rglob("*.py")}


def _layer(mod: str) -> int:
    parts = mod.split(".")
    if len(parts) == 1:
        return LAYERS["_front"]              # the root package: the public API the front ends use
    if parts[1] in LAYERS:
        return LAYERS[parts[1]]
    if parts[1] in BASE:
        return LAYERS["_base"]
    return LAYERS["_front"]                  # cli, sklearn, __main__, playground


def _imports(mod: str, path: Path) -> set[str]:
    """The neuronet modules that ``mod`` imports, from every import statement in the file."""
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "neuronet"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "neuronet":
                continue
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES]
            found |= set(subs) if len(subs) == len(node.names) else {target, *subs}
    found.discard(mod)
    return {m for m in found if m in MODULES}


GRAPH = {mod: _imports(mod, path) for mod, path in MODULES.items()}


@pytest.mark.parametrize("mod", sorted(MODULES))
def test_no_module_imports_a_higher_layer(mod):
    higher = sorted(m for m in GRAPH[mod] if _layer(m) > _layer(mod))
    assert not higher, f"{mod} (layer {_layer(mod)}) imports {higher}, which sit above it"


def test_no_import_cycle():
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(GRAPH[m]):
            if state.get(n) == 1:
                cycle = stack[stack.index(n):] + [n]
                pytest.fail("import cycle: " + " → ".join(cycle))
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m)


def test_the_checker_sees_imports_inside_functions(tmp_path):
    """The check is real: an import inside a function is an edge like any other."""
    src = "def f():\n    from ..training import train\n    return train\n"
    (tmp_path / "x.py").write_text(src)
    found = _imports("neuronet.model.x", tmp_path / "x.py")
    assert "neuronet.training" in found


def test_import_neuronet_loads_no_numba_matplotlib_or_sklearn():
    import subprocess
    import sys

    code = ("import sys, neuronet as nn; nn.mlp([2, 2, 1]); "
            "print(sorted(m for m in ('numba', 'matplotlib', 'sklearn', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
