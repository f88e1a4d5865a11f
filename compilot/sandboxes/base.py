"""The Sandbox contract and the data it hands back: ExecResult and Changes.

Every tool and agent that runs code talks to this protocol; DockerSandbox and LocalSandbox
implement it without inheriting from it. A failing command is a result, never an exception.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Protocol, runtime_checkable

Command = str | Sequence[str]
"""A shell string (run by ``/bin/sh -c``) or an argv list (run as is)."""

DEFAULT_OUTPUT_LIMIT = 1_000_000
"""Bytes of stdout (and separately stderr) kept per command; head and tail survive."""


@dataclass(frozen=True)
class ExecResult:
    """What one command did. ``exit_code`` is 128+N when a signal N killed it."""

    stdout: str
    stderr: str
    exit_code: int
    timed_out: bool = False
    oom_killed: bool = False
    duration_s: float = 0.0
    truncated: bool = False
    """Some output was dropped from the middle (see ``DEFAULT_OUTPUT_LIMIT``)."""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


@dataclass(frozen=True)
class Changes:
    """What code in the sandbox changed in the workspace, against the copied-in state."""

    added: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    files: Mapping[str, bytes] = field(default_factory=dict)
    """New content of every added or modified file (the file set)."""
    diff: str = ""
    """Unified diff of the text files (binary files are named, not diffed)."""

    @property
    def empty(self) -> bool:
        return not (self.added or self.modified or self.deleted)

    def apply_to(self, root: Path) -> None:
        """Write the changes into ``root`` (e.g. a checkout the user asked to update)."""
        for rel, data in self.files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for rel in self.deleted:
            (root / rel).unlink(missing_ok=True)


@runtime_checkable
class Sandbox(Protocol):
    """Where generated code runs. Use it as a context manager: exit always cleans up."""

    def exec(
        self, cmd: Command, *, cwd: str | None = None, env: Mapping[str, str] | None = None,
        timeout: float | None = None, stdin: bytes | str | None = None,
    ) -> ExecResult: ...

    def write_file(self, path: str, data: bytes | str) -> None: ...

    def read_file(self, path: str) -> bytes: ...

    def copy_in(self, source: Path) -> None: ...

    def changes(self) -> Changes: ...

    def close(self) -> None: ...

    def __enter__(self) -> Sandbox: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class HeadTailBuffer:
    """Collects a stream, keeping the first and last ``limit // 2`` bytes."""

    def __init__(self, limit: int = DEFAULT_OUTPUT_LIMIT) -> None:
        self._half = max(limit // 2, 1)
        self._head = bytearray()
        self._tail = bytearray()
        self.dropped = 0

    def write(self, data: bytes) -> None:
        room = self._half - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if not data:
            return
        self._tail += data
        excess = len(self._tail) - self._half
        if excess > 0:
            del self._tail[:excess]
            self.dropped += excess

    def text(self) -> str:
        middle = f"\n[... {self.dropped} bytes omitted ...]\n".encode() if self.dropped else b""
        return bytes(self._head + middle + self._tail).decode("utf-8", errors="replace")


def as_bytes(data: bytes | str | None) -> bytes:
    if data is None:
        return b""
    return data.encode() if isinstance(data, str) else data


def workspace_path(path: str, root: str) -> str:
    """Resolve ``path`` relative to the workspace ``root``; absolute paths stay absolute."""
    if path.startswith("/"):
        return path
    return f"{root.rstrip('/')}/{path}"
