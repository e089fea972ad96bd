"""The `routemap` command as an operator meets it: real subprocesses, real files."""

import os
import subprocess
import sys
from pathlib import Path

ROUTEMAP = str(Path(sys.executable).parent / "routemap")


def run(args, tmp_path, **env):
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "ROUTEMAP_", "SECRET"))
    }
    full_env.update({"ROUTEMAP_INSTANCE_DIR": str(tmp_path), **env})
    return subprocess.run([ROUTEMAP, *args], capture_output=True, text=True, env=full_env, timeout=120)


def test_malformed_database_url_is_one_clear_line(tmp_path):
    result = run(["init"], tmp_path, DATABASE_URL="mysql://root@localhost/crm", SECRET_KEY="x")
    assert result.returncode == 2
    assert "configuration error: DATABASE_URL='mysql://root@localhost/crm'" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_secret_key_outside_dev(tmp_path):
    result = run(["init"], tmp_path)
    assert result.returncode == 2
    assert "SECRET_KEY is not set" in result.stderr


def test_init_demo_data_and_create_user(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "SECRET_KEY": "x"}
    init = run(["init", "--no-processes"], tmp_path, **env)
    assert init.returncode == 0, init.stderr
    assert "latest schema" in init.stdout
    demo = run(["demo-data"], tmp_path, **env)
    assert demo.returncode == 0, demo.stderr
    again = run(["demo-data"], tmp_path, **env)
    assert "already loaded" in again.stdout  # idempotent
    created = run(
        ["create-user", "kate", "--name", "Kate", "--role", "manager", "--password", "long-enough"],
        tmp_path,
        **env,
    )
    assert created.returncode == 0, created.stderr
    assert "Created kate (manager)" in created.stdout
    short = run(["create-user", "bob", "--name", "Bob", "--password", "short"], tmp_path, **env)
    assert short.returncode != 0
    assert "at least 8 characters" in short.stderr
    assert "Traceback" not in short.stderr


def test_worker_without_redis_explains(tmp_path):
    result = run(["worker"], tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'w.db'}", SECRET_KEY="x")
    assert result.returncode != 0
    assert "REDIS_URL is not set" in result.stderr


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bpmn"


def test_deploy_and_processes_for_designers_keeping_maps_in_git(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.db'}", "SECRET_KEY": "x"}
    assert run(["init", "--no-processes"], tmp_path, **env).returncode == 0
    assert "No route maps are deployed" in run(["processes"], tmp_path, **env).stdout
    ok = run(["deploy", str(FIXTURES / "deploy_callee.bpmn")], tmp_path, **env)
    assert ok.returncode == 0, ok.stderr
    assert "v1 deployed" in ok.stdout
    again = run(["deploy", str(FIXTURES / "deploy_callee.bpmn")], tmp_path, **env)
    assert "v1 unchanged" in again.stdout
    listed = run(["processes"], tmp_path, **env)
    assert "v1" in listed.stdout and "1 version(s)" in listed.stdout


def test_deploy_of_a_broken_map_prints_problems_per_element_and_fails(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'broken.db'}", "SECRET_KEY": "x"}
    assert run(["init", "--no-processes"], tmp_path, **env).returncode == 0
    for name in ("deploy_many_problems.bpmn", "deploy_missing_message_ref.bpmn"):
        result = run(["deploy", str(FIXTURES / name)], tmp_path, **env)
        assert result.returncode != 0
        assert name in result.stderr
        assert "problem(s)" in result.stderr
        assert "Traceback" not in result.stderr
    assert (
        "Catch_reply"
        in run(["deploy", str(FIXTURES / "deploy_missing_message_ref.bpmn")], tmp_path, **env).stderr
    )
