"""The codebase's shape, measured: each measure has a limit, and CI fails when one is exceeded.

`.venv/bin/python scripts/measures.py` (`make measures` also runs the import-linter
contracts of pyproject.toml) prints one line per measure, its value and its limit, then
the offenders (file:line and name) when the limit is exceeded, and exits 1 if any limit
is exceeded. Standard library and grimp only. Each measure takes the repository root, so
the tests can run it on a small tree of their own.

Import cycles count function-local imports: grimp sees an import inside a function, and a
cycle hidden there is still a cycle (it moves the failure from import time to call time;
the two modules still cannot be read or moved one without the other). Imports under
`if TYPE_CHECKING:` do not count: they never run.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
MODULE_LIMIT = 400
VIEW_LIMIT = 40
ROUTE_DECORATORS = {"route", "get", "post", "put", "delete", "patch"}
# The one helper in app/services allowed to commit: `commit_step`, for the work that
# cannot be one transaction (its docstring says which): checking a login's hash with
# no write lock held, and the outbox calling a gateway between its claim and its
# outcome. Every other commit belongs to whoever owns the transaction (a view, a CLI
# command, the job runner in app/jobs.py). This allowlist stays at most one entry.
COMMIT_ALLOWLIST = {("app/services/transactions.py", "commit_step")}
# Paths of the machine this was written on; escaped so that this line does not match.
OUTSIDE_MARKERS = re.compile(r"\.\./shared|\.\./\.library|/work\/")
PARENT_PATH = re.compile(r"[\w.~/-]*\.\./[\w.~/-]*")
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
PRIVATE = re.compile(r"_(?!_)")  # one leading underscore; two make a dunder, not private


def python_files(root: Path, top: str) -> list[tuple[str, Path]]:
    paths = sorted(p for p in (root / top).rglob("*.py") if "__pycache__" not in p.parts)
    return [(p.relative_to(root).as_posix(), p) for p in paths]


def long_modules(root: Path, limit: int = MODULE_LIMIT) -> tuple[int, list[str]]:
    """Modules under app/ longer than `limit` physical lines: (the longest, offenders).

    Guards against the module that grows by accretion until nobody reads it whole: 400
    lines is what one reads in a sitting, and a module about one concept fits in it.
    """
    sizes = []  # (lines, file), a last line without its newline counted too
    for name, path in python_files(root, "app"):
        data = path.read_bytes()
        sizes.append((data.count(b"\n") + (bool(data) and data[-1:] != b"\n"), name))
    sizes.sort(key=lambda size: (-size[0], size[1]))
    offenders = [f"{name}:1  {n} lines" for n, name in sizes if n > limit]
    return max(sizes, default=(0,))[0], offenders


def is_route(decorator: ast.expr) -> bool:
    """`@<name>.route(...)`, `@<name>.get(...)`, `.post`, `.put`, `.delete`, `.patch`."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    named = isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
    return named and target.attr in ROUTE_DECORATORS


def long_views(root: Path, limit: int = VIEW_LIMIT) -> tuple[int, list[str]]:
    """Views in app/blueprints longer than `limit` lines from `def` to their end.

    A view reads the request, calls a service and answers; 40 lines is room for that. A
    longer view holds rules that belong in a service, where a test, a CLI command or the
    job runner can reach them. Returns (the longest, offenders).
    """
    views = []
    for name, path in python_files(root, "app/blueprints"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, FUNCTIONS) and any(map(is_route, node.decorator_list)):
                views.append((node.end_lineno - node.lineno + 1, name, node.lineno, node.name))
    views.sort(key=lambda view: (-view[0], view[1], view[2]))
    offenders = [f"{f}:{at}  {v}, {n} lines" for n, f, at, v in views if n > limit]
    return max(views, default=(0,))[0], offenders


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan: the groups of two or more modules (or one importing itself) in a cycle."""
    index, low = {}, {}  # module -> its visit order; -> the lowest order it leads back to
    stack, groups = [], []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = stack[stack.index(node) :]
            del stack[stack.index(node) :]
            if len(group) > 1 or node in graph.get(node, ()):
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def app_import_graph(root: Path) -> dict[str, set[str]]:
    """Who imports whom among the modules of root's `app` package, as grimp sees it."""
    sys.path.insert(0, str(root))
    graph = grimp.build_graph("app", exclude_type_checking_imports=True, cache_dir=None)
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}


def import_cycles(graph: dict[str, set[str]]) -> tuple[int, list[str]]:
    """Import cycles among the modules of app: (how many, the modules of each).

    Limit 0: two modules in a cycle are one module in two files. Neither can be read,
    tested or moved alone, and the import order decides whether the app starts.
    """
    cycles = strongly_connected(graph)
    return len(cycles), [f"{len(c)} modules: {' '.join(c)}" for c in cycles]


def is_app_module(root: Path, dotted: str | None) -> bool:
    """Whether `dotted` names a module (or package) of root's app package."""
    if dotted != "app" and not (dotted or "").startswith("app."):
        return False
    base = root.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def dotted_name(node: ast.expr, modules: dict[str, str]) -> str | None:
    if isinstance(node, ast.Attribute) and (owner := dotted_name(node.value, modules)):
        return f"{owner}.{node.attr}"
    return modules.get(node.id) if isinstance(node, ast.Name) else None


def private_imports(root: Path, top: str = "app") -> tuple[int, list[str]]:
    """Names with one leading underscore that code under `top` takes from an app module.

    `from app.x import _name` (relative imports too) and `mod._name` where `mod` is bound
    to a module of app. Limit 0: an underscore says "nobody else relies on this", so its
    owner may change it freely; a name another module needs is public, and named so.
    """
    found = []
    for name, path in python_files(root, top):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = list(path.relative_to(root).parent.parts)
        modules: dict[str, str] = {}  # local name -> the app module it is bound to
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if is_app_module(root, alias.name):
                        local = alias.asname or alias.name.split(".")[0]
                        modules[local] = alias.name if alias.asname else local
            elif isinstance(node, ast.ImportFrom):
                source = node.module or ""
                if node.level:
                    up = package[: len(package) - node.level + 1]
                    source = ".".join([*up, source] if source else up)
                for alias in node.names if is_app_module(root, source) else ():
                    if PRIVATE.match(alias.name):
                        found.append((name, node.lineno, f"from {source} import {alias.name}"))
                    elif is_app_module(root, f"{source}.{alias.name}"):
                        modules[alias.asname or alias.name] = f"{source}.{alias.name}"
        for node in ast.walk(tree):
            owner = isinstance(node, ast.Attribute) and dotted_name(node.value, modules)
            if owner and PRIVATE.match(node.attr) and is_app_module(root, owner):
                found.append((name, node.lineno, f"{owner}.{node.attr}"))
    return len(found), [f"{f}:{line}  {what}" for f, line, what in sorted(found)]


def service_commits(root: Path, allowlist: set = COMMIT_ALLOWLIST) -> tuple[int, list[str]]:
    """`<anything>.commit()` calls in app/services outside the one allowlisted helper.

    Limit 0: a service is a step of a larger unit of work; the caller that owns the
    transaction commits once, so services compose and a failure rolls back all of it.
    """
    found = [] if len(allowlist) <= 1 else [f"COMMIT_ALLOWLIST has {len(allowlist)} entries"]

    def walk(node: ast.AST, name: str, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            call = isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute)
            if call and child.func.attr == "commit" and (name, function) not in allowlist:
                found.append(f"{name}:{child.lineno}  {function}")
            walk(child, name, child.name if isinstance(child, FUNCTIONS) else function)

    for name, path in python_files(root, "app/services"):
        walk(ast.parse(path.read_text(encoding="utf-8")), name, "<module>")
    return len(found), found


def leaves(top: str, directory: Path, token: str) -> bool:
    """Whether a relative path written in a file of `directory` resolves outside `top`."""
    target = os.path.realpath(os.path.join(directory, token))
    return not token.startswith("/") and os.path.commonpath([top, target]) != top


def outside_paths(root: Path) -> tuple[int, list[str]]:
    """Lines of tracked text files naming a path outside the repository.

    Limit 0: a clone holds only the repository, so a path out of it is broken for
    everyone else. Counted: the markers of this machine's layout, and any relative `../`
    path that resolves outside the root from the file's own directory (a `../static`
    written in templates/ stays inside and does not count). An absolute path with `../`
    is a URL path (`/../x`), not a file, and does not count. Binary files are skipped.
    """
    top, found = os.path.realpath(root), []
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True)
    for name in filter(None, listed.stdout.decode().split("\0")):
        path = root / name
        data = path.read_bytes() if path.is_file() else b""
        text = "" if b"\0" in data else data.decode("utf-8", errors="replace")  # \0: binary
        for number, line in enumerate(text.split("\n"), start=1):
            tokens = PARENT_PATH.findall(line)
            if OUTSIDE_MARKERS.search(line) or any(leaves(top, path.parent, t) for t in tokens):
                found.append(f"{name}:{number}  {line.strip()[:90]}")
    return len(found), found


def main() -> int:
    measures = [  # (what, unit, limit, (value, offenders))
        ("longest module under app/", " lines", MODULE_LIMIT, long_modules(ROOT)),
        ("longest view in app/blueprints/", " lines", VIEW_LIMIT, long_views(ROOT)),
        ("import cycles among app's modules", "", 0, import_cycles(app_import_graph(ROOT))),
        ("imports of private names across app's modules", "", 0, private_imports(ROOT)),
        ("commit() calls in app/services outside the helper", "", 0, service_commits(ROOT)),
        ("references to paths outside the repository", "", 0, outside_paths(ROOT)),
    ]
    for what, unit, limit, (value, offenders) in measures:
        over = f", {len(offenders)} over" if offenders and unit else ""
        print(f"{'FAIL' if offenders else 'ok  '}  {what}: {value}{unit} (limit {limit}){over}")
        print("".join(f"        {offender}\n" for offender in offenders), end="")
    count, in_tests = private_imports(ROOT, "tests")
    print(f"info  tests importing private names: {count} (no limit, shown for the record)")
    print("".join(f"        {offender}\n" for offender in in_tests), end="")
    failed = sum(bool(offenders) for *_, (_, offenders) in measures)
    print(f"{failed} of {len(measures)} measures over their limit")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
