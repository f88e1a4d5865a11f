"""LocalSandbox against real subprocesses: rlimits, group kill, the warning, the factory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compilot.errors import DockerUnavailableError
from compilot.sandboxes import make_sandbox
from compilot.sandboxes.config import SandboxConfig
from compilot.sandboxes.local import LocalSandbox, UnsandboxedWarning

LOCAL = SandboxConfig(kind="local", memory="512m", timeout_s=20)


@pytest.fixture
def local() -> LocalSandbox:
    with pytest.warns(UnsandboxedWarning):
        box = LocalSandbox(LOCAL)
    yield box
    box.close()


def test_warns_that_it_does_not_isolate() -> None:
    with pytest.warns(UnsandboxedWarning, match="does not isolate"), LocalSandbox(LOCAL):
        pass


def test_failing_command_is_a_result(local: LocalSandbox) -> None:
    result = local.exec("echo out; echo err >&2; exit 7")
    assert (result.stdout, result.stderr, result.exit_code) == ("out\n", "err\n", 7)
    assert not result.ok and not result.timed_out


def test_stdin_and_env(local: LocalSandbox) -> None:
    result = local.exec("cat; echo $GREETING", stdin="data\n", env={"GREETING": "hi"})
    assert result.stdout == "data\nhi\n"


def test_host_environment_is_not_passed(local: LocalSandbox) -> None:
    os.environ["COMPILOT_TEST_SECRET"] = "s3cret"
    try:
        assert "s3cret" not in local.exec("env").stdout
    finally:
        del os.environ["COMPILOT_TEST_SECRET"]


def test_timeout_kills_the_process_group_and_keeps_output(local: LocalSandbox) -> None:
    result = local.exec("sleep 300 & echo $! > child.pid; echo started; wait", timeout=1)
    assert result.timed_out and result.exit_code == 137
    assert result.stdout == "started\n"
    child = int(local.read_file("child.pid"))
    time.sleep(0.2)
    state = Path(f"/proc/{child}/stat")
    assert not state.exists() or state.read_text().split()[2] == "Z"


def test_memory_rlimit(local: LocalSandbox) -> None:
    result = local.exec([sys.executable, "-c", "x = ' ' * (1 << 30)"])
    assert result.exit_code != 0 and "MemoryError" in result.stderr


def test_cpu_time_rlimit() -> None:
    config = SandboxConfig(kind="local", timeout_s=1)
    with pytest.warns(UnsandboxedWarning), LocalSandbox(config) as box:
        result = box.exec([sys.executable, "-c", "while True: pass"], timeout=30)
    # RLIMIT_CPU (2 s) sends SIGXCPU long before the 30 s timeout
    assert result.exit_code == 128 + 24 and not result.timed_out


def test_workspace_is_a_copy_and_changes_come_back(tmp_path: Path, local: LocalSandbox) -> None:
    (tmp_path / "keep.txt").write_text("original\n")
    local.copy_in(tmp_path)
    local.exec("echo changed > keep.txt; echo new > added.txt")
    changes = local.changes()
    assert (tmp_path / "keep.txt").read_text() == "original\n"
    assert not (tmp_path / "added.txt").exists()
    assert changes.added == ("added.txt",) and changes.modified == ("keep.txt",)
    assert "+changed" in changes.diff


def test_factory_gives_local_when_chosen(tmp_path: Path) -> None:
    with pytest.warns(UnsandboxedWarning), make_sandbox(LOCAL, workspace=tmp_path) as box:
        assert isinstance(box, LocalSandbox)


FALLBACK = """
import warnings
from compilot.errors import DockerUnavailableError
from compilot.sandboxes import make_sandbox, SandboxConfig
try:
    make_sandbox(SandboxConfig())
except DockerUnavailableError as exc:
    print("refused:", exc.hint)
with warnings.catch_warnings(record=True) as seen:
    warnings.simplefilter("always")
    with make_sandbox(SandboxConfig(allow_unsandboxed=True)) as box:
        print(type(box).__name__, box.exec("echo ran").stdout.strip(),
              sum("does not isolate" in str(w.message) for w in seen))
"""


def test_factory_without_docker_refuses_unless_allowed() -> None:
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    proc = subprocess.run([sys.executable, "-c", FALLBACK], env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("refused:") and "systemctl start docker" in lines[0]
    assert lines[1] == "LocalSandbox ran 1"
    assert DockerUnavailableError.__name__  # the typed error is what the caller catches
