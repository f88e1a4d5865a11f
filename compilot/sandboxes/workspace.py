"""Workspace copies: tar a host folder in, snapshot it, and compute what changed.

The user's folder is only ever read: sandboxes work on a copy, and the caller gets the
changes back as a file set plus a unified diff (``Changes``).
"""

from __future__ import annotations

import difflib
import io
import os
import tarfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from compilot.sandboxes.base import Changes

Snapshot = dict[str, bytes]
"""Relative POSIX path -> content of every regular file."""

IGNORED_PARTS = frozenset({".git", "__pycache__", ".pytest_cache"})
"""Path components left out of ``changes()``: tool caches and git's own bookkeeping."""


def _ignored(rel: str, ignored: Iterable[str]) -> bool:
    return any(part in ignored for part in rel.split("/"))


def iter_tree(root: Path) -> Iterator[Path]:
    """Every entry under ``root`` (folders before their content), without following links."""
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        base = Path(folder)
        for name in dirs:
            yield base / name
        for name in sorted(files):
            yield base / name


def tar_directory(root: Path, *, uid: int | None = None, gid: int | None = None) -> bytes:
    """An uncompressed tar of ``root``'s content, owned by ``uid:gid`` when given."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in iter_tree(root):
            info = tar.gettarinfo(str(path), arcname=path.relative_to(root).as_posix())
            _own(info, uid, gid)
            if info.isreg():
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info)
    return buffer.getvalue()


def tar_single(name: str, data: bytes, *, uid: int | None = None, gid: int | None = None,
               mode: int = 0o644) -> bytes:
    """A tar holding one file ``name`` with ``data``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size, info.mode = len(data), mode
        _own(info, uid, gid)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _own(info: tarfile.TarInfo, uid: int | None, gid: int | None) -> None:
    if uid is not None:
        info.uid, info.uname = uid, ""
    if gid is not None:
        info.gid, info.gname = gid, ""


def snapshot_dir(root: Path, ignored: Iterable[str] = IGNORED_PARTS) -> Snapshot:
    ignored = frozenset(ignored)
    out: Snapshot = {}
    for path in iter_tree(root):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not path.is_symlink() and not _ignored(rel, ignored):
            out[rel] = path.read_bytes()
    return out


def snapshot_tar(stream: IO[bytes], prefix: str, ignored: Iterable[str] = IGNORED_PARTS
                 ) -> Snapshot:
    """Read a tar (as ``docker get_archive`` returns it) whose entries start with ``prefix/``."""
    ignored = frozenset(ignored)
    out: Snapshot = {}
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for member in tar:
            name = member.name
            if not member.isreg() or not name.startswith(prefix + "/"):
                continue
            rel = name[len(prefix) + 1:]
            handle = tar.extractfile(member)
            if handle is not None and not _ignored(rel, ignored):
                out[rel] = handle.read()
    return out


def diff_snapshots(before: Snapshot, after: Snapshot) -> Changes:
    added = tuple(sorted(set(after) - set(before)))
    deleted = tuple(sorted(set(before) - set(after)))
    modified = tuple(sorted(p for p in set(before) & set(after) if before[p] != after[p]))
    parts = [_unified(p, before.get(p), after.get(p)) for p in sorted((*added, *deleted,
                                                                       *modified))]
    return Changes(
        added=added, modified=modified, deleted=deleted,
        files={p: after[p] for p in (*added, *modified)}, diff="".join(parts),
    )


def _text(data: bytes | None) -> list[str] | None:
    if data is None:
        return []
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return None


def _unified(path: str, old: bytes | None, new: bytes | None) -> str:
    old_lines, new_lines = _text(old), _text(new)
    src = "/dev/null" if old is None else f"a/{path}"
    dst = "/dev/null" if new is None else f"b/{path}"
    if old_lines is None or new_lines is None:
        return f"Binary files {src} and {dst} differ\n"
    lines = list(difflib.unified_diff(old_lines, new_lines, src, dst))
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)
