"""LocalSandbox: a subprocess in a temporary copy of the workspace. It does NOT isolate.

Limits are rlimits (address space, CPU time, processes) and a timeout that kills the whole
process group. Code can still read the host filesystem, reach the network and see whatever
the user can. It warns every time it is created and is used only when chosen explicitly (or
when Docker is missing and the user allowed it with ``--allow-unsandboxed``).
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from compilot.errors import SandboxError
from compilot.sandboxes.base import (
    Changes,
    Command,
    ExecResult,
    HeadTailBuffer,
    as_bytes,
    workspace_path,
)
from compilot.sandboxes.config import SandboxConfig
from compilot.sandboxes.workspace import Snapshot, diff_snapshots, snapshot_dir

WARNING = ("LocalSandbox does not isolate: generated code runs as you, can read your files "
           "and reach the network. Use the Docker sandbox unless you trust the code.")
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1"}
_UNITS = {"b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


class UnsandboxedWarning(UserWarning):
    """Code is about to run without isolation."""


def parse_size(text: str) -> int:
    """Docker notation (``512m``, ``2g``, ``1048576``) to bytes."""
    text = text.strip().lower().removesuffix("b") or "0"
    unit = _UNITS.get(text[-1], 1)
    number = text[:-1] if text[-1] in _UNITS else text
    try:
        return int(float(number) * unit)
    except ValueError as exc:
        raise SandboxError(f"invalid memory size {text!r}; use e.g. 512m or 2g") from exc


class LocalSandbox:
    """Runs commands with ``subprocess`` in a private temporary copy of the workspace."""

    def __init__(self, config: SandboxConfig | None = None, *,
                 workspace: Path | None = None) -> None:
        warnings.warn(WARNING, UnsandboxedWarning, stacklevel=2)
        self.config = config or SandboxConfig(kind="local")
        self._tmp = tempfile.TemporaryDirectory(prefix="compilot-local-")
        self.root = Path(self._tmp.name) / "workspace"
        self.root.mkdir()
        self._baseline: Snapshot = {}
        if workspace is not None:
            self.copy_in(workspace)

    def __enter__(self) -> LocalSandbox:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._tmp.cleanup()

    def _limits(self) -> None:
        """Runs in the child before exec: new session (process group) and rlimits."""
        os.setsid()
        mem = parse_size(self.config.memory)
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        cpu = int(self.config.timeout_s) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))  # SIGXCPU, then SIGKILL
        resource.setrlimit(resource.RLIMIT_NPROC, (self.config.pids, self.config.pids))

    def exec(self, cmd: Command, *, cwd: str | None = None, env: Mapping[str, str] | None = None,
             timeout: float | None = None, stdin: bytes | str | None = None) -> ExecResult:
        argv = ["/bin/sh", "-c", cmd] if isinstance(cmd, str) else list(cmd)
        folder = Path(workspace_path(cwd or ".", str(self.root)))
        start = time.monotonic()
        proc = subprocess.Popen(
            argv, cwd=folder, env={**BASE_ENV, "HOME": str(self.root), **(env or {})},
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=self._limits,
        )
        out, err, timed_out = self._collect(
            proc, as_bytes(stdin) if stdin is not None else None,
            timeout or self.config.timeout_s)
        code = proc.returncode
        return ExecResult(
            stdout=out.text(), stderr=err.text(), exit_code=128 - code if code < 0 else code,
            timed_out=timed_out, duration_s=time.monotonic() - start,
            truncated=bool(out.dropped or err.dropped),
        )

    def _collect(self, proc: subprocess.Popen[bytes], stdin: bytes | None, timeout: float
                 ) -> tuple[HeadTailBuffer, HeadTailBuffer, bool]:
        limit = self.config.output_limit
        out, err = HeadTailBuffer(limit), HeadTailBuffer(limit)
        readers = [threading.Thread(target=_drain, args=(proc.stdout, out), daemon=True),
                   threading.Thread(target=_drain, args=(proc.stderr, err), daemon=True)]
        if stdin is not None:
            readers.append(threading.Thread(target=_feed, args=(proc, stdin), daemon=True))
        for thread in readers:
            thread.start()
        killed = False
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            killed = True
            os.killpg(proc.pid, signal.SIGKILL)  # the session id is the child's pid
            proc.wait()
        for thread in readers:
            thread.join(timeout=5)
        return out, err, killed

    def write_file(self, path: str, data: bytes | str) -> None:
        target = Path(workspace_path(path, str(self.root)))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(as_bytes(data))

    def read_file(self, path: str) -> bytes:
        return Path(workspace_path(path, str(self.root))).read_bytes()

    def copy_in(self, source: Path) -> None:
        source = Path(source)
        if not source.is_dir():
            raise SandboxError(f"workspace {source} is not a folder")
        shutil.copytree(source, self.root, symlinks=True, dirs_exist_ok=True)
        self._baseline.update(snapshot_dir(source))

    def changes(self) -> Changes:
        return diff_snapshots(self._baseline, snapshot_dir(self.root))


def _drain(stream: object, sink: HeadTailBuffer) -> None:
    read = stream.read1  # type: ignore[attr-defined]
    while chunk := read(65536):
        sink.write(chunk)


def _feed(proc: subprocess.Popen[bytes], data: bytes) -> None:
    assert proc.stdin is not None  # set by Popen(stdin=PIPE); not user input
    try:
        proc.stdin.write(data)
        proc.stdin.close()
    except OSError:
        pass  # the command exited without reading all of its input
