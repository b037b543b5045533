"""Each shape measure of scripts/measures.py can fail: it finds its offender in a small tree
of its own and leaves the compliant variant alone."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "measures.py"
_spec = importlib.util.spec_from_file_location("measures", SCRIPT)
measures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(measures)

# This file is tracked, so the real measure reads it too: paths out of a tree are written
# in pieces here, and only the trees the tests build hold them whole.
UP = "../"


def write(root: Path, name: str, text: str | bytes) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def view(decorators: str, name: str, lines: int) -> str:
    """A function whose `def` line and body make `lines` lines, under `decorators`."""
    body = "".join(f"    x{i} = {i}\n" for i in range(lines - 2))
    return f"{decorators}def {name}():\n{body}    return x0\n\n\n"


def test_a_module_over_400_lines_is_reported_and_one_of_400_is_not(tmp_path):
    write(tmp_path, "app/__init__.py", "")
    write(tmp_path, "app/long.py", "x = 1\n" * 401)
    write(tmp_path, "app/services/fits.py", "x = 1\n" * 400)
    write(tmp_path, "app/no_last_newline.py", "x = 1\n" * 399 + "x = 1")

    assert measures.long_modules(tmp_path) == (401, ["app/long.py:1  401 lines"])


def test_a_view_over_40_lines_is_reported_from_its_def_line(tmp_path):
    code = (
        view('@bp.get("/long")\n', "too_long", 41)
        + view('@shop.route("/fits", methods=["GET", "POST"])\n@login_required\n', "fits", 40)
        + view("", "helper_not_a_view", 60)
        + view("@staticmethod\n", "not_a_route", 60)
        + view('@bp.delete("/x")\n', "other_verb", 42)
    )
    write(tmp_path, "app/blueprints/shop/routes.py", code)
    write(tmp_path, "app/services/not_blueprints.py", view('@bp.post("/")\n', "far", 99))

    longest, offenders = measures.long_views(tmp_path)

    assert longest == 42
    assert offenders == [
        "app/blueprints/shop/routes.py:215  other_verb, 42 lines",
        "app/blueprints/shop/routes.py:2  too_long, 41 lines",
    ]


def test_strongly_connected_finds_each_cycle_and_nothing_else():
    graph = {
        "app.a": {"app.b"},
        "app.b": {"app.a", "app.c"},  # a <-> b
        "app.c": {"app.d"},
        "app.d": {"app.e"},
        "app.e": {"app.c"},  # c -> d -> e -> c
        "app.f": {"app.a", "app.g"},  # imports into a cycle, is not in one
        "app.g": set(),
        "app.h": {"app.h"},  # a module importing itself
    }

    assert measures.strongly_connected(graph) == [
        ["app.a", "app.b"],
        ["app.c", "app.d", "app.e"],
        ["app.h"],
    ]
    assert measures.strongly_connected({"app.x": {"app.y"}, "app.y": set()}) == []


def test_import_cycles_prints_the_modules_of_each_cycle():
    graph = {"app.x": {"app.y"}, "app.y": {"app.x"}, "app.z": {"app.x"}}

    assert measures.import_cycles(graph) == (1, ["2 modules: app.x app.y"])


def test_private_names_taken_from_another_app_module_are_reported(tmp_path):
    write(tmp_path, "app/__init__.py", "")
    write(tmp_path, "app/x.py", "_y = 1\ny = 2\n")
    write(tmp_path, "app/pkg/__init__.py", "")
    write(tmp_path, "app/pkg/inner.py", "_z = 3\n")
    write(tmp_path, "app/imports.py", "from app.x import y, _y\n")
    write(tmp_path, "app/relative.py", "from .x import _y\nfrom .pkg import inner\ninner._z\n")
    write(tmp_path, "app/aliased.py", "import app.x as mod\n\n\ndef f():\n    return mod._y\n")
    write(tmp_path, "app/dotted.py", "import app.pkg.inner\n\napp.pkg.inner._z\n")
    write(
        tmp_path,
        "app/compliant.py",
        "import os\nfrom flask import _app_ctx_stack\nfrom app import x\nfrom app.x import y\n"
        "x.y\nx.__name__\nos._exit\ny._private_of_a_value\n",
    )
    write(tmp_path, "tests/test_x.py", "from app.x import _y\n")

    count, offenders = measures.private_imports(tmp_path)

    assert offenders == [
        "app/aliased.py:5  app.x._y",
        "app/dotted.py:3  app.pkg.inner._z",
        "app/imports.py:1  from app.x import _y",
        "app/relative.py:1  from app.x import _y",
        "app/relative.py:3  app.pkg.inner._z",
    ]
    assert count == 5
    assert measures.private_imports(tmp_path, "tests") == (
        1,
        ["tests/test_x.py:1  from app.x import _y"],
    )


def test_a_commit_in_services_is_reported_unless_in_the_one_helper(tmp_path):
    write(tmp_path, "app/services/booking.py", "def book(db):\n    db.session.commit()\n")
    write(
        tmp_path,
        "app/services/transactions.py",
        "def commit_step(db):\n    db.session.commit()\n\n\n"
        "def other(db):\n    db.session.commit()\n    db.session.flush()\n",
    )
    write(tmp_path, "app/services/jobs.py", "session.commit()\n")
    write(tmp_path, "app/blueprints/views.py", "def view(db):\n    db.session.commit()\n")

    assert measures.service_commits(tmp_path) == (
        3,
        [
            "app/services/booking.py:2  book",
            "app/services/jobs.py:1  <module>",
            "app/services/transactions.py:6  other",
        ],
    )


def test_the_commit_allowlist_stays_one_entry(tmp_path):
    (tmp_path / "app/services").mkdir(parents=True)
    two = {("app/services/a.py", "f"), ("app/services/b.py", "g")}

    assert measures.service_commits(tmp_path, two) == (1, ["COMMIT_ALLOWLIST has 2 entries"])
    assert len(measures.COMMIT_ALLOWLIST) <= 1


def test_paths_out_of_the_repository_are_reported_and_paths_inside_are_not(tmp_path):
    write(tmp_path, "README.md", f"The design is in [DESIGN]({UP}shared/X.md).\nPlain line.\n")
    write(tmp_path, "config.py", f'NOTES = "{UP}{UP}elsewhere/notes.txt"\n')
    write(tmp_path, "docs/tools.md", "Run it from /wor" + "k/main.\n")
    write(tmp_path, "templates/page.html", f'<link href="{UP}static/site.css">\n')
    write(tmp_path, "docs/guide.md", f"Back to the [README]({UP}README.md).\n")
    write(tmp_path, "app/redirects.py", f'EVIL = "/{UP}{UP}etc/passwd"  # a URL path\n')
    write(tmp_path, "static/logo.png", b"\x89PNG\0" + f"{UP}shared".encode())
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    write(tmp_path, "untracked.md", f"{UP}shared/Y.md\n")

    count, offenders = measures.outside_paths(tmp_path)

    assert [offender.split()[0] for offender in offenders] == [
        "README.md:1",
        "config.py:1",
        "docs/tools.md:1",
    ]
    assert count == 3
