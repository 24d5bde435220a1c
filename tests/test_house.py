"""Guards that keep the house (docs/architecture.md): imports read with ``ast``, never by running code.

- No import circle anywhere in the project (lazy imports inside functions count: they are circles
  broken at run time, not removed).
- Imports run one way: agents -> model -> experiments -> the page (``viz``, then ``app.py``) -> the scripts.
  Inside ``experiments`` the rooms are ranked: ``core``, then ``calibration`` and ``panel``, then
  ``sweep``, then ``reports``, then the command line and the benchmarks. A module imports only from its
  own room or a lower rank; two rooms of the same rank never import each other.
- No room imports another room's private name (a leading underscore).
- No source file is longer than 600 lines.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 600
# The rank of each room (a package, a subpackage of experiments, or a top-level module): imports go down.
RANKS = {
    "agents": 0,
    "model": 1,
    "experiments.core": 2,
    "experiments.calibration": 3, "experiments.panel": 3,
    "experiments.sweep": 4,
    "experiments.reports": 5,
    "experiments": 6, "experiments.bench": 6,  # the package's face: __init__, __main__, calibrate, ema
    "viz": 7, "app": 8,  # the page: app.py on the visualizer's modules
    "scripts": 9,
}


def sources() -> list:
    files = [ROOT / "app.py"]
    for folder in ("agents", "model", "experiments", "viz", "scripts"):
        files += sorted((ROOT / folder).rglob("*.py"))
    return files


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in sources()}
# modules compiled from C (model/_kernels.c): leaves of the house, which import none of it
EXTENSIONS = {module_name(p) for folder in ("agents", "model", "experiments") for p in (ROOT / folder).rglob("*.c")}


def room(module: str) -> str:
    """The room a module lives in: experiments' subpackages are rooms of their own."""
    parts = module.split(".")
    if parts[0] == "experiments" and len(parts) > 1 and f"experiments.{parts[1]}" in RANKS and \
            (ROOT / "experiments" / parts[1]).is_dir():
        return f"experiments.{parts[1]}"
    return parts[0]


def resolve(name: str) -> str | None:
    """The project module an import names (a module, or the module that defines the name), or None (also for a
    compiled module, which imports nothing of the project)."""
    if name in EXTENSIONS:
        return None
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports(module: str) -> list:
    """(imported module, names imported from it, line) for every import statement of ``module``, lazy ones too."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = resolve(alias.name)
                if target:
                    out.append((target, (), node.lineno))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in MODULES:  # `from package import module`
                    out.append((sub, (), node.lineno))
                elif resolve(base):
                    out.append((resolve(base), (alias.name,), node.lineno))
    return [(t, names, line) for t, names, line in out if t != module]


GRAPH = {m: imports(m) for m in MODULES}


def cycles(graph: dict) -> list:
    """The strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_every_module_has_a_room_with_a_rank():
    assert {room(m) for m in MODULES} <= set(RANKS), {room(m) for m in MODULES} - set(RANKS)


def test_no_import_circle_anywhere():
    graph = {m: {t for t, _, _ in edges} for m, edges in GRAPH.items()}
    assert cycles(graph) == []


def test_no_import_circle_between_rooms():
    graph = {}
    for m, edges in GRAPH.items():
        graph.setdefault(room(m), set()).update(room(t) for t, _, _ in edges if room(t) != room(m))
    for r in RANKS:
        graph.setdefault(r, set())
    assert cycles(graph) == []


def test_imports_run_one_way():
    wrong = [f"{m} (line {line}) imports {t}: {room(m)} (rank {RANKS[room(m)]}) may not import {room(t)} "
             f"(rank {RANKS[room(t)]})"
             for m, edges in GRAPH.items() for t, _, line in edges
             if room(t) != room(m) and RANKS[room(t)] >= RANKS[room(m)]]
    assert wrong == []


def test_core_imports_no_subsystem_and_agents_no_model():
    for m, edges in GRAPH.items():
        targets = {room(t) for t, _, _ in edges}
        if room(m) == "experiments.core":
            assert targets <= {"experiments.core", "model", "agents"}, (m, targets)
        if room(m) == "agents":
            assert targets <= {"agents"}, (m, targets)
        if room(m) == "model":
            assert targets <= {"model", "agents"}, (m, targets)


def test_no_room_imports_another_rooms_private_names():
    wrong = [f"{m} (line {line}) imports {name} from {t}"
             for m, edges in GRAPH.items() for t, names, line in edges if room(t) != room(m)
             for name in names if name.startswith("_") and not name.startswith("__")]
    assert wrong == []


@pytest.mark.parametrize("path", sources() + sorted((ROOT / "tests").glob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_source_file_is_over_600_lines(path):
    n = len(path.read_text().splitlines())
    assert n <= MAX_LINES, f"{path.relative_to(ROOT)}: {n} lines; split it by job"


def test_the_guards_see_a_circle_and_a_backward_import():
    """The checks above can fail: a made-up graph with a circle and a backward import is caught."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    assert RANKS[room("model.parameters")] < RANKS[room("experiments.sweep.spec")]
    assert room("experiments.core.store") == "experiments.core" and room("experiments.calibrate") == "experiments"
    assert resolve("experiments.core.schema.SpecError") == "experiments.core.schema"


def test_the_docs_name_modules_that_exist():
    """Every `experiments/...py` path, `python -m experiments.X` command and `from experiments.X import Y` in the
    README and docs/ names a module (and a name) that exists: moving a file means updating the docs."""
    import importlib
    import re

    texts = {p: p.read_text() for p in [ROOT / "README.md", ROOT / "Makefile", *sorted((ROOT / "docs").glob("*.md"))]}
    wrong = []
    for path, text in texts.items():
        for rel in set(re.findall(r"\bexperiments/[\w/]+\.py\b", text)):
            if not (ROOT / rel).is_file():
                wrong.append(f"{path.name}: {rel}")
        for module in set(re.findall(r"-m (experiments(?:\.\w+)*)", text)):
            if resolve(module) != module and resolve(module + ".__main__") is None:
                wrong.append(f"{path.name}: python -m {module}")
        for module, names in set(re.findall(r"from (experiments(?:\.\w+)*) import ([\w, ]+)", text)):
            imported = importlib.import_module(module)
            wrong += [f"{path.name}: from {module} import {n}" for n in (x.strip() for x in names.split(","))
                      if n and not hasattr(imported, n)]
    assert wrong == []
