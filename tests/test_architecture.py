"""The house's rules, held by reading refkb's source with `ast` (nothing is imported):

- only `refkb/site/` imports MkDocs (or its themes); only `bibfile` imports bibtexparser; only `safeyaml` imports
  yaml;
- no module outside `site/` imports `refkb.site`, and none but `__main__` imports `refkb.cli`;
- the modules import each other without a cycle (module-level imports; those only for type checking apart);
- every code reported anywhere is registered in `refkb.checks.codes`;
- every module is under 600 lines and every function under 80.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "scripts" / "refkb"
CODE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$")
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted ("refkb.site.events")
    target: str  # what it imports, dotted ("refkb.checks.suite", "mkdocs.config")
    top_level: bool  # at module level, not only for type checking


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, ast.Module]:
    return {module_name(p): ast.parse(p.read_text(encoding="utf-8")) for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, name] if name else base)


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports(name: str, tree: ast.Module, is_package: bool) -> Iterator[Import]:
    def walk(node: ast.AST, top: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            inner = top and not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) and not _type_checking(child)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(name, alias.name, top)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = _resolve(name, is_package, child.level, child.module)
                    for alias in child.names:  # `from . import x` names a module; `from .m import f` a name in m
                        yield Import(name, f"{base}.{alias.name}" if child.module is None else base, top)
                else:
                    yield Import(name, child.module or "", top)
            yield from walk(child, inner)

    yield from walk(tree, True)


def all_imports() -> list[Import]:
    out: list[Import] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        out.extend(imports(name, ast.parse(path.read_text(encoding="utf-8")), path.name == "__init__.py"))
    return out


def _outside(module: str, package: str) -> bool:
    return module != package and not module.startswith(package + ".")


RULES = [  # (imported library, the only modules that may import it)
    ("mkdocs", ("refkb.site",)),
    ("material", ("refkb.site",)),
    ("bibtexparser", ("refkb.bibfile",)),
    ("yaml", ("refkb.safeyaml",)),
    ("refkb.site", ("refkb.site",)),
    ("refkb.cli", ("refkb.cli", "refkb.__main__")),
]


@pytest.mark.parametrize(("library", "allowed"), RULES, ids=[r[0] for r in RULES])
def test_only_its_home_imports(library: str, allowed: tuple[str, ...]) -> None:
    found = sorted(
        {
            i.module
            for i in all_imports()
            if not _outside(i.target, library) and all(_outside(i.module, home) for home in allowed)
        }
    )
    assert found == []


def test_the_rules_see_every_import() -> None:
    """The rules above are not vacuous: the reader finds the imports they are about."""
    targets = {i.target.split(".")[0] for i in all_imports()}
    assert {"mkdocs", "bibtexparser", "yaml"} <= targets
    assert any(i.module == "refkb.site.events" and i.target == "refkb.site.kinds" for i in all_imports())


def test_no_import_cycle() -> None:
    graph: dict[str, set[str]] = {}
    names = set(modules())
    for i in all_imports():
        if i.top_level and i.target in names and i.target != i.module:
            graph.setdefault(i.module, set()).add(i.target)
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            assert cycle is None, " -> ".join(cycle)


def _callee(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def reported_codes() -> dict[str, str]:
    """Every code given to a function that makes a problem (issue, at_field, Problem, …), or as `code=`."""
    out: dict[str, str] = {}
    for name, tree in modules().items():
        if name == "refkb.checks.codes":
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            callee = _callee(node).lower()
            reporter = any(w in callee for w in ("issue", "problem", "at_field", "at_entry"))
            args = [a for a in node.args if reporter] + [k.value for k in node.keywords if k.arg == "code"]
            for a in args:
                if isinstance(a, ast.Constant) and isinstance(a.value, str) and CODE.match(a.value):
                    out.setdefault(a.value, f"{name}:{a.lineno}")
    return out


def test_every_reported_code_is_registered() -> None:
    from refkb.checks.codes import CODES

    found = reported_codes()
    assert len(found) > 60  # the reader sees the checks' calls
    assert {c: where for c, where in found.items() if c not in CODES} == {}


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_modules_are_small() -> None:
    big = {str(p.relative_to(ROOT)): _lines(p) for p in PACKAGE.rglob("*.py") if _lines(p) >= MAX_MODULE_LINES}
    assert big == {}


def test_functions_are_short() -> None:
    long = {}
    for name, tree in modules().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None:
                n = node.end_lineno - node.lineno + 1
                if n >= MAX_FUNCTION_LINES:
                    long[f"{name}.{node.name}"] = n
    assert long == {}


def test_the_formatter_has_the_last_word() -> None:
    marked = [str(p.relative_to(ROOT)) for p in (ROOT / "scripts").rglob("*.py") if "fmt: skip" in p.read_text("utf-8")]
    assert marked == []
    assert '"C901"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
