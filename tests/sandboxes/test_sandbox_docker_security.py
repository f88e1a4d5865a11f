"""Security of DockerSandbox against the real engine: what hostile code must not achieve."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compilot.sandboxes.config import SandboxConfig
from compilot.sandboxes.docker_sandbox import DockerSandbox

pytestmark = pytest.mark.docker


def test_network_egress_fails(box: DockerSandbox) -> None:
    probe = ("import socket\ns = socket.create_connection(('1.1.1.1', 80), timeout=3)\n"
             "print('connected')")
    result = box.exec(["python3", "-c", probe])
    assert result.exit_code != 0 and "connected" not in result.stdout
    assert "lo" in box.exec("cat /proc/net/dev").stdout
    assert "eth0" not in box.exec("cat /proc/net/dev").stdout


FORK_BOMB = """
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
"""


def test_fork_bomb_is_contained(config: SandboxConfig) -> None:
    small = config.model_copy(update={"pids": 64})
    with DockerSandbox(small) as box:
        result = box.exec(["python3", "-c", FORK_BOMB], timeout=3)
        assert result.timed_out
        after = box.exec("ps -e --no-headers | wc -l")
        assert after.exit_code == 0 and int(after.stdout) < 10, after
        assert box.exec("echo alive").stdout == "alive\n"


def test_memory_bomb_is_killed_and_reported_as_oom(config: SandboxConfig) -> None:
    small = config.model_copy(update={"memory": "128m"})
    with DockerSandbox(small) as box:
        result = box.exec(["python3", "-c", "x = ' ' * (1 << 30); print('allocated')"])
        assert result.oom_killed and result.exit_code == 137 and not result.timed_out
        assert "allocated" not in result.stdout
        assert box.exec("echo alive").stdout == "alive\n"


def test_infinite_loop_times_out_with_partial_output(box: DockerSandbox) -> None:
    result = box.exec("echo before; while :; do :; done", timeout=1.5)
    assert result.timed_out and not result.oom_killed
    assert result.stdout == "before\n" and 1.5 <= result.duration_s < 10
    assert "while" not in box.exec("ps -eo args").stdout


def test_writes_outside_workspace_fail(box: DockerSandbox) -> None:
    for path in ("/etc/evil", "/usr/local/bin/evil", "/root/evil", "/evil"):
        assert box.exec(["touch", path]).exit_code != 0
    assert box.exec("touch /workspace/fine /tmp/fine").exit_code == 0


def test_runs_unprivileged(box: DockerSandbox) -> None:
    assert box.exec("id -u").stdout.strip() != "0"
    caps = dict(line.split(":\t") for line in box.exec("cat /proc/self/status").stdout
                .splitlines() if line.startswith("Cap"))
    assert int(caps["CapEff"], 16) == 0 and int(caps["CapBnd"], 16) == 0
    assert "NoNewPrivs:\t1" in box.exec("cat /proc/self/status").stdout


def test_host_filesystem_and_environment_are_invisible(tmp_path: Path,
                                                        config: SandboxConfig) -> None:
    marker = tmp_path / "host-only-marker"
    marker.write_text("secret")
    os.environ["COMPILOT_TEST_SECRET"] = "s3cret-value"
    try:
        with DockerSandbox(config) as box:
            assert box.exec(["cat", str(marker)]).exit_code != 0
            assert "s3cret-value" not in box.exec("env; cat /proc/1/environ").stdout
            assert box.exec("test -e /var/run/docker.sock").exit_code != 0
            mounts = box.exec("cat /proc/mounts").stdout
            assert "docker.sock" not in mounts and str(tmp_path) not in mounts
    finally:
        del os.environ["COMPILOT_TEST_SECRET"]
