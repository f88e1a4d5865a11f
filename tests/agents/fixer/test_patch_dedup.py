"""Candidate patches that differ only in formatting or comments are grouped together."""

from __future__ import annotations

import subprocess
from pathlib import Path

from compilot.agents.fixer import dedup_patches, diff_key, patch_key

BASE = '''\
def area(width, height):
    """Area of a rectangle."""
    return width * height
'''


def _git_diff(repo: Path, new_text: str, extra: dict[str, str] | None = None) -> str:
    """Write a candidate, take ``git diff`` of it, and restore the base tree."""
    (repo / "geo.py").write_text(new_text)
    for rel, text in (extra or {}).items():
        (repo / rel).write_text(text)
    diff = subprocess.run(["git", "diff"], cwd=repo, capture_output=True, text=True,
                          check=True).stdout
    subprocess.run(["git", "checkout", "-q", "--", "."], cwd=repo, check=True)
    return diff


def _repo(tmp_path: Path) -> Path:
    (tmp_path / "geo.py").write_text(BASE)
    (tmp_path / "notes.py").write_text("X = 1\n")
    for cmd in (["init", "-q"], ["add", "-A"],
                ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"]):
        subprocess.run(["git", *cmd], cwd=tmp_path, check=True)
    return tmp_path


def test_formatting_and_comment_variants_are_one_group(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    fix = BASE.replace("return width * height",
                       "if width < 0 or height < 0:\n        raise ValueError(width)\n"
                       "    return width * height")
    reformatted = fix.replace("if width < 0 or height < 0:",
                              "if (width < 0\n            or height < 0):  # reject negatives")
    commented = fix + "# trailing comment\n"
    different = fix.replace("ValueError", "TypeError")
    new_doc = fix.replace("Area of a rectangle.", "Area of a rectangle (non-negative sides).")
    diffs = [_git_diff(repo, fix), _git_diff(repo, reformatted),
             _git_diff(repo, commented, {"notes.py": "X = 1  # touched\n"}),
             _git_diff(repo, different), _git_diff(repo, new_doc), "not a diff"]
    groups = dedup_patches(repo, diffs)
    assert [g.members for g in groups] == [(0, 1, 2), (3,), (4,), (5,)]
    assert groups[0].representative == 0
    assert (repo / "geo.py").read_text() == BASE  # dedup never writes
    assert diff_key(repo, "not a diff") is None


def test_patch_key_ignores_untouched_meaning_but_not_other_files() -> None:
    before = {"a.py": "x = 1\n", "b.txt": "hello\n"}
    same = {"a.py": "x = (1)  # one\n", "b.txt": "hello  \n\n"}
    assert patch_key(same, before) == patch_key({}, before)
    changed = {"a.py": "x = 1\n", "b.txt": "bye\n"}
    assert patch_key(changed, before) != patch_key({}, before)
    assert patch_key({"a.py": None}, before) != patch_key({}, before)
