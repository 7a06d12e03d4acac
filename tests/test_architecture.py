"""The layering rules of consult/, read from the source with `ast` (nothing is imported).

(a) no import cycle among modules, counting module-level and function-level imports;
(b) no views module (`views`, `*_views`) imports another views module;
(c) between the top-level packages (accounts, mail, meetings, ...), counting the imports of
    every module except views modules, `pages` modules, consult/cli.py, consult/demo/ and
    consult/__init__.py, the package graph is acyclic;
(d) no module over 400 lines; (e) no function over 60 lines (`def` to its last line);
(f) no function-level import, except in create_app, in `init_app` functions and of the
    heavy third-party libraries that are imported lazily on purpose (HEAVY).

Imports under `if TYPE_CHECKING:` count as well: a dependency for the types is still one.
"""

import ast
from collections import defaultdict, deque
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "consult"

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# Libraries that take long to import or pull in much: imported where they are used.
HEAVY = {"weasyprint", "docx", "docxtpl", "pypdf", "openpyxl", "reportlab", "PIL", "lxml",
         "sklearn", "numpy", "scipy", "rapidfuzz",  # the overview: only workers that show it
         "boto3",  # only installations that keep files in S3
         # Loaded per worker when first used, not by every worker at start (B5):
         "authlib", "joserfc", "requests",  # a login with an organisation account
         "inscriptis", "icalendar", "snowballstemmer"}  # an HTML reply, an .ics, an overview
# The top layer: they may depend on every package, so they do not count for (c).
NOT_IN_PACKAGE_GRAPH = {"consult", "consult.cli"}
# Shared layers, not domains: every domain uses them, as it uses consult.database. The
# guards read every domain's models (test_the_guards_read_only_models checks that).
SHARED_PACKAGES = {"consult.permissions"}
# What the guards may read of a domain: its models, the meeting's phase, the constituency.
GUARD_INPUTS = ("models", "inbound_models", "oidc_models", "status", "constituency")


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the module imported (a consult module or an external name)
    line: int
    function: str | None  # the enclosing function, None at module level
    functions: tuple[str, ...]  # every enclosing function, outermost first

    @property
    def where(self) -> str:
        place = f"{module_path(self.source)}:{self.line}"
        return f"{place} (in {self.function}())" if self.function else place


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def module_path(name: str) -> str:
    return str(modules()[name].relative_to(ROOT))


def is_package(name: str) -> bool:
    return modules()[name].name == "__init__.py"


@cache
def tree(name: str) -> ast.Module:
    path = modules()[name]
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def resolve(source: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules an import statement loads: `from consult.x import y` is consult.x.y
    when y is a submodule, else consult.x. External modules keep their dotted name."""
    known = modules()
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        package = source if is_package(source) else source.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    targets = []
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        targets.append(submodule if submodule in known else base)
    return targets


class ImportVisitor(ast.NodeVisitor):
    def __init__(self, source: str):
        self.source = source
        self.functions: list[str] = []
        self.imports: list[Import] = []

    def visit_function(self, node):
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_function

    def visit_import(self, node):
        for target in dict.fromkeys(resolve(self.source, node)):
            self.imports.append(Import(self.source, target, node.lineno,
                                       self.functions[-1] if self.functions else None,
                                       tuple(self.functions)))

    visit_Import = visit_ImportFrom = visit_import


@cache
def imports() -> tuple[Import, ...]:
    found = []
    for name in modules():
        visitor = ImportVisitor(name)
        visitor.visit(tree(name))
        found += visitor.imports
    return tuple(found)


def internal_imports() -> list[Import]:
    known = modules()
    return [imp for imp in imports() if imp.target in known and imp.target != imp.source]


def graph(edges) -> dict[str, dict[str, list[Import]]]:
    """{source: {target: [the imports that make this edge]}}"""
    result: dict[str, dict[str, list[Import]]] = defaultdict(lambda: defaultdict(list))
    for source, target, evidence in edges:
        result[source][target].append(evidence)
    return result


def strongly_connected(nodes, edges: dict[str, dict]) -> list[list[str]]:
    """Tarjan's components with more than one node, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

    def connect(node):  # recursion depth is bounded by the number of modules
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in edges.get(node, {}):
            if successor not in index:
                connect(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(nodes):
        if node not in index:
            connect(node)
    return sorted(components)


def shortest_cycle(component: list[str], edges: dict[str, dict]) -> list[str]:
    """A shortest cycle through the component's first node: [a, b, ..., a]."""
    members = set(component)
    start = component[0]
    previous = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for successor in sorted(edges.get(node, {})):
            if successor == start:
                path = [node]
                while previous[path[-1]] is not None:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if successor in members and successor not in previous:
                previous[successor] = node
                queue.append(successor)
    raise AssertionError(f"no cycle in the component {component}")


def describe_cycles(nodes, edges, evidence) -> list[str]:
    lines = []
    for component in strongly_connected(nodes, edges):
        cycle = shortest_cycle(component, edges)
        lines.append(f"cycle {' -> '.join(cycle)}   (component: {', '.join(component)})")
        for source, target in zip(cycle, cycle[1:], strict=False):
            lines.append(f"    {source} -> {target}: {evidence(edges[source][target])}")
        inside = [f"{source} -> {target}" for source in component
                  for target in sorted(edges.get(source, {})) if target in component]
        lines.append(f"    every edge inside the component: {', '.join(inside)}")
    return lines


def is_views(name: str) -> bool:
    last = name.rpartition(".")[2]
    return last == "views" or last.endswith("_views")


def top_package(name: str) -> str | None:
    """consult.meetings.services -> consult.meetings; None for consult.permissions etc."""
    parts = name.split(".")
    package = ".".join(parts[:2])
    if package in SHARED_PACKAGES:
        return None
    return package if len(parts) >= 2 and package in modules() and is_package(package) else None


def counts_for_packages(name: str) -> bool:
    last = name.rpartition(".")[2]
    return not (is_views(name) or last == "pages" or name in NOT_IN_PACKAGE_GRAPH
                or top_package(name) == "consult.demo")


# --- the tests ---------------------------------------------------------------------


def test_the_source_is_found():
    names = modules()
    assert {"consult", "consult.meetings.services", "consult.permissions"} <= set(names)
    assert any(imp.function for imp in imports())  # function-level imports are seen


def test_the_cycle_finder_reports_a_path():
    edges = {"a": {"b": []}, "b": {"c": []}, "c": {"a": [], "d": []}, "d": {}}
    assert strongly_connected("abcd", edges) == [["a", "b", "c"]]
    assert shortest_cycle(["a", "b", "c"], edges) == ["a", "b", "c", "a"]
    submodule = ast.parse("from consult.meetings import services, Meeting").body[0]
    assert resolve("consult.comments.views", submodule) == [
        "consult.meetings.services", "consult.meetings"]
    relative = ast.parse("from .models import Comment").body[0]
    assert resolve("consult.comments.services", relative) == ["consult.comments.models"]


def test_no_import_cycle_among_modules():
    edges = graph((imp.source, imp.target, imp) for imp in internal_imports())
    cycles = describe_cycles(modules(), edges, lambda found: found[0].where)
    assert not cycles, "import cycles among consult modules:\n" + "\n".join(cycles)


def test_no_views_module_imports_another():
    found = [f"{imp.source} imports {imp.target}: {imp.where}" for imp in internal_imports()
             if is_views(imp.source) and is_views(imp.target)]
    assert not found, "views modules importing views modules:\n" + "\n".join(sorted(found))


def test_the_packages_depend_on_each_other_without_a_cycle():
    edges = graph(
        (top_package(imp.source), top_package(imp.target), imp) for imp in internal_imports()
        if counts_for_packages(imp.source) and top_package(imp.source)
        and top_package(imp.target) and top_package(imp.source) != top_package(imp.target))
    packages = {top_package(name) for name in modules()} - {None}

    def evidence(found: list[Import]) -> str:
        shown = "; ".join(f"{imp.source} imports {imp.target} at {imp.where}" for imp in found[:3])
        return shown + (f"; and {len(found) - 3} more" if len(found) > 3 else "")

    cycles = describe_cycles(packages, edges, evidence)
    assert not cycles, "cycles between the packages:\n" + "\n".join(cycles)


def test_no_module_is_over_400_lines():
    found = []
    for name, path in modules().items():
        count = len(path.read_text(encoding="utf-8").splitlines())
        if count > MAX_MODULE_LINES:
            found.append(f"{module_path(name)}: {count} lines")
    assert not found, f"modules over {MAX_MODULE_LINES} lines:\n" + "\n".join(found)


def test_no_function_is_over_60_lines():
    found = []
    for name in modules():
        for node in ast.walk(tree(name)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(f"{module_path(name)}:{node.lineno} {node.name}(): {length} lines")
    assert not found, f"functions over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(sorted(found))


def allowed_in_a_function(imp: Import) -> bool:
    if imp.source == "consult" and imp.functions[:1] == ("create_app",):
        return True  # the app factory wires the parts together
    if "init_app" in imp.functions:
        return True  # a part registers its views, commands and signals
    return imp.target not in modules() and imp.target.split(".")[0] in HEAVY


def test_function_level_imports_only_where_allowed():
    found = [f"{imp.where}: {imp.target}" for imp in imports()
             if imp.function and not allowed_in_a_function(imp)]
    assert not found, ("function-level imports (move them to the top of the module; a cycle "
                       "they hid is a layering problem):\n" + "\n".join(sorted(found)))


def test_the_guards_read_only_models():
    """consult.permissions sits between the models and the services of every domain, so
    it may import a domain's models (and the meeting's phase and constituency), never its
    services: then no domain's services can come back to it through the guards."""
    found = [f"{imp.where}: {imp.target}" for imp in internal_imports()
             if imp.source.startswith("consult.permissions") and top_package(imp.target)
             and imp.target.rpartition(".")[2] not in GUARD_INPUTS]
    assert not found, "the guards import more than models:\n" + "\n".join(found)
