"""The shape of the code: no import cycles among our modules, a small App, options and keys
declared once. Read from the source with `ast`, so a cycle is caught before it bites."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

PACKAGES = ("core", "tui")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def imports_of(name: str, path: Path, known: dict[str, Path], typing_too: bool = False) -> set[str]:
    """Our modules that `name` imports at run time (imports under TYPE_CHECKING aside, unless
    `typing_too`): a submodule where an import names one, else the package it imports from."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = set() if typing_too else {
        id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
        and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                       for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
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
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    known = modules()
    graph = {name: imports_of(name, path, known) for name, path in known.items()}
    assert cycles(graph) == []
    assert "core.present.views" in graph["tui.stepper"] or "core" in graph["tui.stepper"]


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_core_imports_no_user_interface() -> None:
    known = modules()
    for name, path in known.items():
        if name.startswith("core"):
            text = path.read_text(encoding="utf-8")
            assert "import textual" not in text and "from textual" not in text, name
            assert "import rich" not in text and "from rich" not in text, name
            assert not any(dep.startswith("tui") for dep in imports_of(name, path, known))


# The core's layers, lowest first: a module may import its own layer and the layers before it.
# The vocabulary (`core/`'s own modules: errors, names, config, presets) needs no NumPy.
CORE_LAYERS = ("core", "core.maths", "core.data", "core.training", "core.present", "core.files",
               "core.programs", "core.lessons")


def layer_of(module: str) -> int:
    """The index in CORE_LAYERS of a core module's layer (`core.x` itself is the vocabulary)."""
    parts = module.split(".")
    package = ".".join(parts[:2]) if len(parts) > 2 else "core"
    if module in CORE_LAYERS:
        package = module
    return CORE_LAYERS.index(package)


def layering_violations(graph: dict[str, set[str]]) -> list[str]:
    """Imports of a higher layer, as `importer -> imported`. `core/__init__.py` is the public
    API, which re-exports lazily from every layer, so it is left out."""
    found = []
    for name, deps in graph.items():
        if not name.startswith("core.") or name in CORE_LAYERS:
            continue
        for dep in deps:
            if dep.startswith("core.") and dep not in CORE_LAYERS and \
                    layer_of(dep) > layer_of(name):
                found.append(f"{name} -> {dep}")
    return sorted(found)


def test_the_core_is_layered() -> None:
    """Each core subpackage imports only the layers below it (imports under TYPE_CHECKING
    count too: a type from a higher layer is a dependency on it)."""
    known = {k: v for k, v in modules().items() if k.startswith("core")}
    assert {k for k in known if k.count(".") == 1 and (ROOT / k.replace(".", "/")).is_dir()} \
        == set(CORE_LAYERS[1:])
    graph = {name: imports_of(name, path, known, typing_too=True) for name, path in known.items()}
    assert layering_violations(graph) == []
    assert len([p for p in (ROOT / "core").glob("*.py")]) <= 8
    assert not [p for p in (ROOT / "core").rglob("code*.py")]


def test_the_layering_check_finds_an_upward_import() -> None:
    graph = {"core.maths.network": {"core.training.session", "core.errors"},
             "core.files.opening": {"core.training.session", "core.data.builtin"}}
    assert layering_violations(graph) == ["core.maths.network -> core.training.session"]


def test_the_app_module_stays_small() -> None:
    assert len((ROOT / "tui" / "app.py").read_text(encoding="utf-8").splitlines()) <= 200


def test_options_and_keys_are_declared_in_their_tables_only() -> None:
    """argparse options are added in tui/options.py and nowhere else; Bindings are made in
    tui/commands.py (and the modal screens' own few)."""
    for path in (ROOT / "tui").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name != "options.py":
            assert "add_argument(" not in text, path
        if path.name != "commands.py" and path.parent.name != "screens":
            assert "Binding(" not in text, path


# an issue or task number, a "(#N)" or a bare "#N"; not a colour in quotes ("#123456")
ISSUE_REFERENCE = re.compile(r"\b(?:issue|task|ticket)s?\s*#?\d+|\(#\d+\)"
                             r"|(?<![\w&\"'])#\d{1,4}\b", re.IGNORECASE)


def test_comments_say_what_the_code_does_not_its_history() -> None:
    """No issue numbers in comments or docstrings: they age, the code's reasons do not."""
    for pkg in (*PACKAGES, "tests", "bench"):
        for path in (ROOT / pkg).rglob("*.py"):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                assert not ISSUE_REFERENCE.search(line), f"{path}:{n}: {line.strip()}"


def test_the_reference_finder_finds_one() -> None:
    number = "12"  # kept apart, so this file's own lines hold no reference
    assert ISSUE_REFERENCE.search(f"# added for issue {number}")
    assert ISSUE_REFERENCE.search(f'"""Fixes the hang (#{number})."""')
    assert not ISSUE_REFERENCE.search('color: "#123456"  # hex, not an issue')


def test_the_torch_script_builds_on_shared_parts_not_on_the_numpy_script() -> None:
    known = modules()
    deps = imports_of("core.programs.torch_script", known["core.programs.torch_script"], known)
    assert "core.programs.parts" in deps and "core.programs.numpy_script" not in deps


# Rules that were once written in several places, as the text that writes each: one place.
RULES = {
    "the data's split salt": r"0x[dD][aA]7[aA]",
    "how many rows train prints": r"\bPRINTED_ROWS\s*=|\blimit: int = 20\b",
    "a decimal comma": r"\\d\*,\\d\+",
    "a layer's parameter count": r"i \* o \+ o",
    "the CSV-only fields": r"\"no_header\", \"skip_rows\"\)",
}


def test_each_rule_is_written_once() -> None:
    sources = {path: path.read_text(encoding="utf-8") for pkg in PACKAGES
               for path in (ROOT / pkg).rglob("*.py")}
    for rule, pattern in RULES.items():
        found = [f"{path.relative_to(ROOT)}: {m.group(0)}" for path, text in sources.items()
                 for m in re.finditer(pattern, text)]
        assert len(found) == 1, (rule, found)
