"""scripts/prod_smoke.py reads the real files of deploy/: when one changes in a way the
smoke no longer understands, this says so at once, not at the end of a CI run.
(`make prod-smoke` itself needs nginx, PostgreSQL and Redis: CI runs it.)"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def smoke():
    spec = importlib.util.spec_from_file_location("prod_smoke", ROOT / "scripts" / "prod_smoke.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["prod_smoke"] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules["prod_smoke"]


def test_the_instance_unit_becomes_a_gunicorn_command(smoke, tmp_path):
    argv, env = smoke.unit(ROOT / "deploy" / "systemd" / "zhaoxi@.service", "8123", tmp_path)
    assert argv[0] == str(ROOT / ".venv" / "bin" / "gunicorn")
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8123"
    assert argv[argv.index("--workers") + 1] == env["GUNICORN_WORKERS"]
    assert argv[-1] == "wsgi:app"
    assert env["PROMETHEUS_MULTIPROC_DIR"] == f"{tmp_path}/run/zhaoxi-8123"
    jobs, _env = smoke.unit(ROOT / "deploy" / "systemd" / "zhaoxi-jobs.service", "", tmp_path)
    assert jobs == [str(ROOT / ".venv" / "bin" / "flask"), "run-jobs"]


def test_the_env_file_reads_as_systemd_reads_it(smoke):
    settings = smoke.env_file(ROOT / "deploy" / "zhaoxi.env.example")
    assert settings["ZHAOXI_ENV"] == "production" and settings["PROXY_HOPS"] == "1"


def test_the_nginx_site_moves_onto_loopback(smoke, tmp_path):
    conf = smoke.render_nginx(tmp_path, [8101, 8102], 8180, 8443)
    text = (tmp_path / "zhaoxi.conf").read_text()
    site = "\n".join(line.split("#")[0] for line in text.splitlines())  # not the comments
    assert "127.0.0.1:8101" in site and "127.0.0.1:8102" in site
    assert "listen 127.0.0.1:8443 ssl" in site
    for elsewhere in ("/etc/letsencrypt", "/srv/zhaoxi", "/var/log", "[::]"):
        assert elsewhere not in site
    if shutil.which("nginx") is None:
        return
    smoke.certificate(tmp_path)
    (tmp_path / "logs").mkdir()
    checked = subprocess.run(
        ["nginx", "-t", "-q", "-p", str(tmp_path), "-e", str(tmp_path / "logs" / "error.log"),
         "-c", str(conf)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
