"""Pure logic: output capping, snapshots and diffs, mirror discovery, size parsing."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from compilot.errors import SandboxError
from compilot.sandboxes.base import HeadTailBuffer
from compilot.sandboxes.image import host_mirrors, mmdebstrap_command
from compilot.sandboxes.local import parse_size
from compilot.sandboxes.workspace import diff_snapshots, snapshot_dir, tar_directory


def test_head_and_tail_survive_capping() -> None:
    buf = HeadTailBuffer(limit=20)
    for chunk in (b"HEAD-", b"x" * 1000, b"-TAIL"):
        buf.write(chunk)
    text = buf.text()
    assert text.startswith("HEAD-") and text.endswith("-TAIL")
    assert buf.dropped == 1010 - 20 and "omitted" in text


def test_small_output_is_kept_whole() -> None:
    buf = HeadTailBuffer(limit=100)
    buf.write(b"hello\n")
    assert buf.text() == "hello\n" and buf.dropped == 0


def test_diff_reports_added_modified_deleted_and_binary() -> None:
    before = {"a.py": b"x = 1\n", "gone.txt": b"bye\n", "blob": b"\0\1"}
    after = {"a.py": b"x = 2\n", "new.txt": b"hi\n", "blob": b"\0\2"}
    changes = diff_snapshots(before, after)
    assert changes.added == ("new.txt",)
    assert changes.modified == ("a.py", "blob")
    assert changes.deleted == ("gone.txt",)
    assert changes.files == {"new.txt": b"hi\n", "a.py": b"x = 2\n", "blob": b"\0\2"}
    assert "-x = 1\n+x = 2\n" in changes.diff
    assert "Binary files a/blob and b/blob differ" in changes.diff


def test_changes_apply_to_a_folder(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("old")
    changes = diff_snapshots({"old.txt": b"old"}, {"sub/new.txt": b"new"})
    changes.apply_to(tmp_path)
    assert (tmp_path / "sub/new.txt").read_bytes() == b"new"
    assert not (tmp_path / "old.txt").exists()


def test_snapshot_skips_git_and_caches(tmp_path: Path) -> None:
    for rel in (".git/HEAD", "__pycache__/m.pyc", "src/m.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    assert set(snapshot_dir(tmp_path)) == {"src/m.py"}


def test_tar_directory_sets_owner(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d/f.txt").write_text("content")
    with tarfile.open(fileobj=io.BytesIO(tar_directory(tmp_path, uid=1000, gid=1000))) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert set(members) == {"d", "d/f.txt"}
    assert all(m.uid == 1000 and m.gid == 1000 for m in members.values())


def test_mirrors_come_from_the_hosts_apt_config(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d/debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\n"
        "Components: main contrib\n\nTypes: deb-src\nURIs: http://src.example\n"
        "Suites: bookworm\nComponents: main\n")
    (tmp_path / "sources.list").write_text(
        "deb [signed-by=/k.gpg] http://sec.example/debian-security bookworm-security main\n"
        "deb http://other.example/x nodistro main\n")
    assert host_mirrors(tmp_path, "bookworm") == [
        "deb http://sec.example/debian-security bookworm-security main",
        "deb http://mirror.example/debian bookworm main",
        "deb http://mirror.example/debian bookworm-updates main",
    ]
    cmd = mmdebstrap_command(Path("/out.tar"), [], None)
    assert "stable" in cmd and "--variant=apt" in cmd
    assert any("python3-pytest" in part and "procps" in part for part in cmd)


@pytest.mark.parametrize(("text", "expected"), [("2g", 2 * 1024**3), ("512m", 512 * 1024**2),
                                                ("1048576", 1048576), ("64MB", 64 * 1024**2)])
def test_parse_size(text: str, expected: int) -> None:
    assert parse_size(text) == expected


def test_parse_size_rejects_garbage() -> None:
    with pytest.raises(SandboxError):
        parse_size("lots")
