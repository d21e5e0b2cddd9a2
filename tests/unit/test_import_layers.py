"""parity's imports point down only: no import loops, no import from a higher layer, no long functions.

The import graph is read from the source with `ast` (nothing is imported): absolute imports
(`import parity.x`, `from parity.x import y`) and relative ones, at module level or inside functions, and
`from package import submodule` counts as an import of the submodule. Every module is assigned a layer by
the longest matching name prefix in LAYERS (docs/architecture.md draws them); a module no prefix matches
fails the test, so a new top-level module or package has to be placed in a layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "parity"
MAX_FUNCTION_LINES = 80

# name prefix -> layer; a module may import only from its own layer (without a loop) or from lower ones.
LAYERS = {
    # 5 commands: parse the command line, call inputs and engines, print, return the exit code
    "parity.cli": 5, "parity.commands": 5, "parity.pytest_plugin": 5,
    # 4 inputs: user input -> validated run request
    "parity.inputs": 4,
    # 3 engines: lockstep harness, sweep, golden fixtures, drift, and this round's audit, fuzz, explain
    "parity.harness": 3, "parity.sweep": 3, "parity.fixtures": 3, "parity.drift": 3, "parity.audit": 3,
    "parity.fuzz": 3, "parity.explain": 3,
    # 2 catalogue: rule name -> pool class, contract, default parameters, state fields, integer model
    "parity.catalogue": 2, "parity.chain_limits": 2,
    # 1 core: the simulator, the integer model, the chain, and what every layer shares
    "parity": 1, "parity.errors": 1, "parity.float64": 1, "parity.io": 1, "parity.params": 1, "parity.prices": 1,
    "parity.fingerprint": 1, "parity.quantammsim_keys": 1, "parity.quantammsim_inputs": 1, "parity.state_maps": 1,
    "parity.probes": 1,
    "parity.estimators": 1, "parity.pools": 1, "parity.weights": 1, "parity.runners": 1, "parity.testing": 1,
    "parity.fixedpoint": 1, "parity.chain": 1, "parity.adapters": 1,
}
EXACT = {"parity"}  # the package itself only, not everything below it


# ------------------------------------------------------------------------------------------ the detector


def module_files(root: Path, package: str = PACKAGE) -> dict[str, Path]:
    """{dotted module name: file} of every .py file of the package under `root`."""
    out = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _resolve(name: str, modules) -> str | None:
    """The module `name` refers to: itself, or the nearest enclosing module that exists."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imported(node, module: str, is_package: bool, modules) -> list[str]:
    """Dotted names of the package's modules that one import statement imports."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        if node.level:  # relative: from the module's package, one level up per extra dot
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        names = [f"{source}.{a.name}" if f"{source}.{a.name}" in modules else source for a in node.names]
    prefix = PACKAGE + "."
    return [r for n in names if (n == PACKAGE or n.startswith(prefix)) and (r := _resolve(n, modules))]


def import_graph(root: Path, package: str = PACKAGE) -> dict[str, dict[str, int]]:
    """{module: {imported module: line of the first import}}, self-imports left out."""
    modules = module_files(root, package)
    graph: dict[str, dict[str, int]] = {}
    for module, path in modules.items():
        edges = graph.setdefault(module, {})
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _imported(node, module, path.name == "__init__.py", modules):
                    if target != module:
                        edges.setdefault(target, node.lineno)
    return graph


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module: the import loops."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    loops: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                loops.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return loops


def layer_of(module: str, layers=LAYERS, exact=EXACT) -> int | None:
    """The layer of the longest prefix of `module` in `layers` (names in `exact` match only themselves)."""
    name = module
    while name:
        if name in layers and (name == module or name not in exact):
            return layers[name]
        name = name.rpartition(".")[0]
    return None


def problems(graph, layers=LAYERS, exact=EXACT) -> dict[str, list[str]]:
    """{"unassigned": [...], "loops": [...], "upward": [...]}: one printable line per problem."""
    unassigned = sorted(m for m in graph if layer_of(m, layers, exact) is None)
    loops = []
    for component in strongly_connected(graph):
        edges = [f"{a} -> {b} (line {line})" for a in component for b, line in sorted(graph[a].items()) if b in component]
        loops.append(f"loop of {len(component)} modules: " + "; ".join(edges))
    upward = []
    for a in sorted(graph):
        la = layer_of(a, layers, exact)
        for b, line in sorted(graph[a].items()):
            lb = layer_of(b, layers, exact)
            if la is not None and lb is not None and lb > la:
                upward.append(f"{a} (layer {la}) imports {b} (layer {lb}) at line {line}")
    return {"unassigned": unassigned, "loops": loops, "upward": upward}


def long_functions(root: Path, package: str = PACKAGE, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """'file:line name (N lines)' for every function or method longer than `limit` lines."""
    out = []
    for module, path in module_files(root, package).items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > limit:
                    out.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({length} lines)")
    return out


# ------------------------------------------------------------------------------------------ parity itself


def test_every_module_has_a_layer():
    unassigned = problems(import_graph(ROOT))["unassigned"]
    assert not unassigned, "modules in no layer (add their prefix to LAYERS):\n" + "\n".join(unassigned)


def test_no_import_loops():
    loops = problems(import_graph(ROOT))["loops"]
    assert not loops, "\n".join(loops)


def test_no_import_from_a_higher_layer():
    upward = problems(import_graph(ROOT))["upward"]
    assert not upward, "\n".join(upward)


def test_nothing_imports_a_command_but_the_command_line():
    """Commands are leaves: only parity.cli registers them (parity.commands.common is shared by them)."""
    graph = import_graph(ROOT)
    commands = {m for m in graph if m.startswith("parity.commands.") and m != "parity.commands.common"}
    assert commands, "no command modules found"
    bad = [f"{a} imports {b}" for a in sorted(graph) for b in graph[a]
           if (b in commands or b == "parity.cli") and a != "parity.cli"]
    assert not bad, "\n".join(bad)


def test_no_function_is_longer_than_80_lines():
    long = long_functions(ROOT)
    assert not long, "split these into named stages:\n" + "\n".join(long)


# ------------------------------------------------------------------------------------------ the detector detects


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / PACKAGE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_detector_reports_loops_upward_imports_and_unassigned_modules(tmp_path):
    root = _tree(tmp_path, {
        "__init__.py": "",
        "io.py": "from parity.commands import verify\n",  # core -> commands: upward
        "inputs/__init__.py": "",
        "inputs/a.py": "def f():\n    from . import b\n",  # lazy relative import of a submodule
        "inputs/b.py": "import parity.inputs.a as a\n",  # closes the loop a <-> b
        "commands/__init__.py": "",
        "errors.py": "",
        "commands/verify.py": "from parity import errors\nfrom ..inputs.b import y\n",  # downward: fine
        "stray.py": "",  # no layer
    })
    graph = import_graph(root)
    assert graph["parity.inputs.a"] == {"parity.inputs.b": 2}
    assert graph["parity.commands.verify"] == {"parity.errors": 1, "parity.inputs.b": 2}
    found = problems(graph)
    assert found["unassigned"] == ["parity.stray"]
    assert len(found["loops"]) == 1 and "parity.inputs.a -> parity.inputs.b (line 2)" in found["loops"][0]
    assert "parity.inputs.b -> parity.inputs.a (line 1)" in found["loops"][0]
    assert found["upward"] == ["parity.io (layer 1) imports parity.commands.verify (layer 5) at line 1"]


def test_detector_reports_a_loop_through_a_package_init(tmp_path):
    root = _tree(tmp_path, {
        "__init__.py": "",
        "pools/__init__.py": "from parity.pools.base import Base\n",
        "pools/base.py": "from parity.pools import create_pool\n",
    })
    assert problems(import_graph(root))["loops"] == [
        "loop of 2 modules: parity.pools -> parity.pools.base (line 1); parity.pools.base -> parity.pools (line 1)"
    ]


def test_detector_finds_a_long_function(tmp_path):
    body = "".join(f"    x{i} = {i}\n" for i in range(80))
    root = _tree(tmp_path, {"__init__.py": "", "core.py": f"def short():\n    pass\n\n\ndef long():\n{body}"})
    assert long_functions(root) == [f"{Path('parity/core.py')}:5 long (81 lines)"]


@pytest.mark.parametrize("module, layer", [
    ("parity", 1), ("parity.pools.base", 1), ("parity.catalogue", 2), ("parity.fixtures.rule", 3),
    ("parity.inputs.params", 4), ("parity.commands.verify", 5), ("parity.cli", 5),
    ("parity.newthing", None), ("parity.clix", None),
])
def test_layer_of(module, layer):
    assert layer_of(module) == layer
