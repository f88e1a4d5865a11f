"""DockerSandbox: one hardened container per run, a copied-in workspace, changes handed back.

Defaults (no network, memory/CPU/PID limits, non-root, read-only root, no capabilities,
no-new-privileges) come from ``engine.host_config``; see SandboxConfig for the relaxations.
"""

from __future__ import annotations

import io
import logging
import posixpath
import tarfile
import threading
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from compilot.errors import SandboxError
from compilot.sandboxes import engine
from compilot.sandboxes.base import Changes, Command, ExecResult, as_bytes, workspace_path
from compilot.sandboxes.config import SandboxConfig
from compilot.sandboxes.docker_exec import KILL, run_exec
from compilot.sandboxes.lifecycle import REAPER
from compilot.sandboxes.workspace import (
    Snapshot,
    diff_snapshots,
    snapshot_dir,
    snapshot_tar,
    tar_directory,
    tar_single,
)

log = logging.getLogger(__name__)
OOM_PROBE = ("cat /sys/fs/cgroup/memory/memory.oom_control /sys/fs/cgroup/memory.events "
             "2>/dev/null")


class DockerSandbox:
    """A started container; ``with DockerSandbox(config, workspace=path) as box: box.exec(...)``."""

    def __init__(self, config: SandboxConfig | None = None, *, workspace: Path | None = None,
                 run_id: str | None = None, container_id: str | None = None) -> None:
        self.config = config or SandboxConfig()
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self._api = engine.client().api
        self.container_id = container_id or engine.create_container(self.config, self.run_id)
        self._closed = False
        self._baseline: Snapshot = {}
        self._oom_lock = threading.Lock()
        self._oom_seen = 0
        REAPER.track(self.container_id, self.close)
        try:
            if workspace is not None:
                self.copy_in(workspace)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> DockerSandbox:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Remove the container and its workspace volume (idempotent)."""
        if self._closed:
            return
        self._closed = True
        REAPER.untrack(self.container_id)
        engine.remove_container(self.container_id)

    def exec(self, cmd: Command, *, cwd: str | None = None, env: Mapping[str, str] | None = None,
             timeout: float | None = None, stdin: bytes | str | None = None) -> ExecResult:
        """Run ``cmd``; a failing, killed or timed-out command is a result, not an exception."""
        if self._closed:
            raise SandboxError("the sandbox is closed")
        argv = ["/bin/sh", "-c", cmd] if isinstance(cmd, str) else list(cmd)
        token = uuid.uuid4().hex
        start = time.monotonic()
        with engine.translated("running a command in the sandbox"):
            raw = run_exec(
                self._api, self.container_id, argv, token=token, user=self.config.user,
                cwd=workspace_path(cwd or ".", engine.WORKDIR), env=env,
                stdin=None if stdin is None else as_bytes(stdin),
                timeout=timeout or self.config.timeout_s, limit=self.config.output_limit,
                on_timeout=lambda: self._kill_group(token), on_stuck=self._restart,
            )
        code = raw.exit_code if raw.exit_code is not None else 137
        oom = code == 137 and not raw.timed_out and self._new_oom_kill()
        return ExecResult(
            stdout=raw.stdout.text(), stderr=raw.stderr.text(), exit_code=code,
            timed_out=raw.timed_out, oom_killed=oom, duration_s=time.monotonic() - start,
            truncated=bool(raw.stdout.dropped or raw.stderr.dropped),
        )

    def _kill_group(self, token: str) -> None:
        """Kill the session of a timed-out command; retry while its wrapper is starting."""
        import docker.errors

        for _ in range(20):
            try:
                created = self._api.exec_create(
                    self.container_id, ["/bin/sh", "-c", KILL, token], user=self.config.user)
                self._api.exec_start(created["Id"])
                if self._api.exec_inspect(created["Id"]).get("ExitCode") != 3:
                    return
            except docker.errors.APIError as exc:  # no PID left to run kill: _restart follows
                log.warning("cannot kill a timed-out command yet: %s", exc.explanation)
            time.sleep(0.05)

    def _restart(self) -> None:
        """Last resort when the kill could not run (e.g. a fork bomb holds every PID)."""
        self._api.restart(self.container_id, timeout=0)

    def _new_oom_kill(self) -> bool:
        """cgroup's oom_kill counter went up (v1 memory.oom_control or v2 memory.events)."""
        with self._oom_lock:
            created = self._api.exec_create(self.container_id, ["/bin/sh", "-c", OOM_PROBE])
            text = self._api.exec_start(created["Id"]).decode(errors="replace")
            counts = [int(line.split()[1]) for line in text.splitlines()
                      if line.startswith("oom_kill ")]
            count = max(counts, default=0)
            seen, self._oom_seen = self._oom_seen, max(self._oom_seen, count)
            if count > seen:
                return True
        state = self._api.inspect_container(self.container_id)["State"]
        return bool(state.get("OOMKilled")) and not counts

    def _uid_gid(self) -> tuple[int | None, int | None]:
        uid, _, gid = self.config.user.partition(":")
        return (int(uid) if uid.isdigit() else None, int(gid) if gid.isdigit() else None)

    def write_file(self, path: str, data: bytes | str) -> None:
        """Write a file (relative paths are under /workspace; elsewhere is read-only)."""
        full = workspace_path(path, engine.WORKDIR)
        folder, name = posixpath.split(full)
        uid, gid = self._uid_gid()
        self.exec(["mkdir", "-p", folder])
        with engine.translated(f"writing {full}"):
            ok = self._api.put_archive(self.container_id, folder,
                                       tar_single(name, as_bytes(data), uid=uid, gid=gid))
        if not ok:
            raise SandboxError(f"cannot write {full} in the sandbox")

    def read_file(self, path: str) -> bytes:
        """Read a file (relative paths are under /workspace); FileNotFoundError if absent."""
        import docker.errors

        full = workspace_path(path, engine.WORKDIR)
        try:
            with engine.translated(f"reading {full}"):
                stream, _ = self._api.get_archive(self.container_id, full)
                data = b"".join(stream)
        except SandboxError as exc:
            if isinstance(exc.__cause__, docker.errors.NotFound):
                raise FileNotFoundError(f"{full} does not exist in the sandbox") from exc
            raise
        with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
            member = tar.next()
            handle = tar.extractfile(member) if member is not None else None
            if handle is None:
                raise FileNotFoundError(f"{full} in the sandbox is not a regular file")
            return handle.read()

    def copy_in(self, source: Path) -> None:
        """Copy a host folder's content into /workspace; the host folder is only read."""
        source = Path(source)
        if not source.is_dir():
            raise SandboxError(f"workspace {source} is not a folder")
        uid, gid = self._uid_gid()
        with engine.translated(f"copying {source} into the sandbox"):
            self._api.put_archive(self.container_id, engine.WORKDIR,
                                  tar_directory(source, uid=uid, gid=gid))
        self._baseline.update(snapshot_dir(source))

    def changes(self) -> Changes:
        """What changed in /workspace since it was copied in (file set and unified diff)."""
        with engine.translated("reading the workspace back"):
            stream, _ = self._api.get_archive(self.container_id, engine.WORKDIR + "/.")
            data = b"".join(stream)
        return diff_snapshots(self._baseline, snapshot_tar(io.BytesIO(data), "."))

    def __repr__(self) -> str:
        return f"DockerSandbox({self.container_id[:12]}, run_id={self.run_id!r})"
