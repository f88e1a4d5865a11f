"""The command line through real subprocesses: exit codes, JSON output, error messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from compilot.testing import FakeOpenAIServer


def compilot(*args: str, cwd: Path, env: dict[str, str] | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("COMPILOT_")}
    full_env["COMPILOT_CONFIG"] = str(cwd / "no-user-config.toml")
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "compilot.cli.main", *args], cwd=cwd,
                          env=full_env, capture_output=True, text=True, timeout=timeout,
                          check=False)


def test_config_show_json_reflects_project_file(tmp_path: Path) -> None:
    (tmp_path / "compilot.toml").write_text('[model]\nsource = "openai:http://127.0.0.1:9/v1"\n'
                                            'api_key = "secret"\n')
    out = compilot("config", "show", "--json", cwd=tmp_path,
                   env={"COMPILOT_SANDBOX__MEMORY": "1g"})
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["config"]["model"]["source"] == "openai:http://127.0.0.1:9/v1"
    assert data["config"]["model"]["api_key"] == "***"
    assert data["config"]["sandbox"]["memory"] == "1g"
    assert data["files"]["project"] == str(tmp_path / "compilot.toml")


def test_invalid_config_exits_2_with_the_field(tmp_path: Path) -> None:
    (tmp_path / "compilot.toml").write_text("[server]\nport = -5\n")
    out = compilot("config", "show", cwd=tmp_path)
    assert out.returncode == 2
    assert "server.port" in out.stderr
    assert "Traceback" not in out.stderr


def test_ask_streams_from_an_openai_endpoint(tmp_path: Path) -> None:
    with FakeOpenAIServer() as server:
        server.add_text("def add(a, b):\n    return a + b\n", stream_chunk_size=5)
        out = compilot("ask", "write add", "--model", f"openai:{server.base_url}",
                       "--model-name", "fake", cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        assert "return a + b" in out.stdout
        assert "completion" in out.stderr and "tok" in out.stderr
        body = server.requests[-1]
        assert body["stream"] is True
        assert body["messages"][-1]["content"] == "write add"


def test_ask_json_reports_usage(tmp_path: Path) -> None:
    with FakeOpenAIServer() as server:
        server.add_text("print('hi')")
        out = compilot("ask", "hello", "--json", "--model", f"openai:{server.base_url}",
                       "--model-name", "fake", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["text"] == "print('hi')"
    assert data["usage"]["completion_tokens"] > 0


def test_ask_unreachable_endpoint_is_a_clear_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = compilot("ask", "hi", "--model", f"openai:http://127.0.0.1:{port}/v1",
                   "--model-name", "x", cwd=tmp_path,
                   env={"COMPILOT_MODEL__MAX_RETRIES": "0"})
    assert out.returncode != 0
    assert f"127.0.0.1:{port}" in out.stderr
    assert "fix:" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.model
def test_ask_with_the_real_local_model(tmp_path: Path) -> None:
    """End to end: bundled 0.5B weights -> llama.cpp server -> streamed answer with usage."""
    home = os.environ.get("COMPILOT_TEST_HOME", str(Path.home() / ".cache" / "compilot-test"))
    env = {"COMPILOT_HOME": home, "COMPILOT_MODEL__SOURCE": "bundled:qwen2.5-coder-0.5b"}
    try:
        out = compilot("ask", "Write a Python function that returns the square of x.",
                       "--max-tokens", "96", "--json", cwd=tmp_path, env=env, timeout=600)
        assert out.returncode == 0, out.stderr
        data = json.loads(out.stdout)
        assert "def " in data["text"]
        assert data["usage"]["prompt_tokens"] > 10
        assert 0 < data["usage"]["completion_tokens"] <= 96
        assert data["usage"]["ttft_s"] is not None  # the answer was streamed
    finally:
        compilot("model", "stop", cwd=tmp_path, env=env)


def test_doctor_reports_a_down_docker_engine_with_its_fix(tmp_path: Path) -> None:
    out = compilot("doctor", "--json", cwd=tmp_path,
                   env={"DOCKER_HOST": f"unix://{tmp_path}/no-such-docker.sock",
                        "COMPILOT_HOME": str(tmp_path / "home")})
    assert out.returncode == 1
    checks = {c["name"]: c for c in json.loads(out.stdout)}
    engine = checks["docker engine"]
    assert engine["ok"] is False and engine["fix"]
    assert checks["python"]["ok"] is True
    weights = checks["model weights"]  # nothing pulled into a fresh home
    assert weights["ok"] is False and "compilot model pull" in weights["fix"]


def test_model_status_and_stop_without_a_server(tmp_path: Path) -> None:
    env = {"COMPILOT_HOME": str(tmp_path / "home")}
    status = compilot("model", "status", "--json", cwd=tmp_path, env=env)
    assert status.returncode == 0
    assert json.loads(status.stdout) == {"running": False, "servers": []}
    stop = compilot("model", "stop", "--json", cwd=tmp_path, env=env)
    assert stop.returncode == 0 and json.loads(stop.stdout) == {"stopped": False}


def test_unknown_bundled_model_lists_the_valid_names(tmp_path: Path) -> None:
    out = compilot("model", "pull", "--model", "bundled:nope", cwd=tmp_path,
                   env={"COMPILOT_HOME": str(tmp_path / "home")})
    assert out.returncode == 2
    assert "qwen2.5-coder-1.5b" in out.stderr and "qwen2.5-coder-0.5b" in out.stderr
