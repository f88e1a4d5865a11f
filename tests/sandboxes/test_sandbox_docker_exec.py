"""DockerSandbox behaviour against the real engine: exec, files, workspace, pool, cleanup."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from compilot.sandboxes import engine
from compilot.sandboxes.config import SandboxConfig
from compilot.sandboxes.docker_sandbox import DockerSandbox
from compilot.sandboxes.pool import SandboxPool

pytestmark = pytest.mark.docker


def _tree_hash(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_result_fields_stdin_env_cwd(box: DockerSandbox) -> None:
    box.exec("mkdir -p sub")
    result = box.exec("cat; echo $GREETING; pwd; echo oops >&2; exit 5", cwd="sub",
                      env={"GREETING": "hi"}, stdin=b"in\n")
    assert result.stdout == "in\nhi\n/workspace/sub\n" and result.stderr == "oops\n"
    assert result.exit_code == 5 and not result.ok and result.duration_s > 0


def test_output_is_capped_keeping_head_and_tail(config: SandboxConfig) -> None:
    with DockerSandbox(config.model_copy(update={"output_limit": 4096})) as box:
        result = box.exec("echo FIRST; head -c 3000000 /dev/zero | tr '\\0' x; echo; echo LAST")
    assert result.truncated and result.stdout.startswith("FIRST")
    assert result.stdout.endswith("LAST\n") and len(result.stdout) < 5000


def test_concurrent_execs_in_one_and_across_containers(config: SandboxConfig) -> None:
    with DockerSandbox(config) as one, DockerSandbox(config) as two:
        jobs = [(box, i) for i in range(6) for box in (one, two)]
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            results = list(pool.map(
                lambda job: job[0].exec(f"sleep 0.5; echo {job[1]}; echo e{job[1]} >&2"), jobs))
    assert [r.stdout for r in results] == [f"{i}\n" for _, i in jobs]
    assert all(r.stderr == f"e{job[1]}\n" and r.ok for r, job in zip(results, jobs, strict=True))


def test_timeout_does_not_disturb_a_concurrent_exec(box: DockerSandbox) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        slow = pool.submit(box.exec, "sleep 2; echo done")
        hung = pool.submit(box.exec, "echo partial; sleep 60", timeout=0.5)
        assert hung.result().timed_out and hung.result().stdout == "partial\n"
        assert slow.result().stdout == "done\n"


def test_files_round_trip(box: DockerSandbox) -> None:
    box.write_file("pkg/data.bin", b"\0\1binary")
    assert box.read_file("pkg/data.bin") == b"\0\1binary"
    assert box.read_file("/workspace/pkg/data.bin") == b"\0\1binary"
    with pytest.raises(FileNotFoundError):
        box.read_file("missing.txt")


def test_copy_in_and_changes_out_leave_the_host_untouched(tmp_path: Path,
                                                          config: SandboxConfig) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src/app.py").write_text("print('v1')\n")
    (tmp_path / "README").write_text("readme\n")
    (tmp_path / "logo.bin").write_bytes(b"\x89PNG\0")
    before = _tree_hash(tmp_path)
    with DockerSandbox(config, workspace=tmp_path) as box:
        assert box.exec("python3 src/app.py").stdout == "v1\n"
        box.exec("sed -i s/v1/v2/ src/app.py && rm README && echo new > NEW.txt "
                 "&& python3 -c 'import compileall; compileall.compile_dir(\"src\")'")
        changes = box.changes()
    assert _tree_hash(tmp_path) == before
    assert changes.added == ("NEW.txt",) and changes.deleted == ("README",)
    assert changes.modified == ("src/app.py",)
    assert changes.files["src/app.py"] == b"print('v2')\n"
    assert "-print('v1')\n+print('v2')\n" in changes.diff


def test_pool_hands_out_started_containers(config: SandboxConfig) -> None:
    with SandboxPool(config, size=2) as pool:
        assert pool.wait_ready(timeout=60)
        with pool.acquire() as box:
            assert box.exec("echo warm").stdout == "warm\n"
        assert pool.wait_ready(timeout=60)  # refilled after the acquisition


CHILD = """
import sys, time
from compilot.sandboxes import SandboxConfig
from compilot.sandboxes.docker_sandbox import DockerSandbox
box = DockerSandbox(SandboxConfig())
print(box.container_id, flush=True)
time.sleep(120)
"""


def _spawn_child() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def _exists(cid: str) -> bool:
    return bool(engine.client().api.containers(all=True, filters={"id": cid}))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_cleans_up_containers(sandbox_image: str, signum: int) -> None:
    proc, cid = _spawn_child()
    assert _exists(cid)
    os.kill(proc.pid, signum)
    proc.wait(timeout=60)
    assert not _exists(cid)


def test_gc_removes_containers_of_dead_processes(sandbox_image: str) -> None:
    proc, cid = _spawn_child()
    proc.kill()  # SIGKILL: no handler runs, the container is orphaned
    proc.wait(timeout=30)
    assert _exists(cid)
    assert cid[:12] in engine.gc()
    assert not _exists(cid)
