"""Recognise candidate patches that differ only in formatting or comments.

When the fixer samples several candidate patches, each changed Python file is normalised to
its AST (``ast.dump`` without line/column information; docstrings are kept, comments and
layout vanish). Two candidates with the same normalised files are duplicates, so tests run on
one of them only. Files a candidate touched without changing their AST (a comment, a blank
line) do not count as changed. Other files are compared by text with trailing whitespace and
blank lines ignored; a Python file that does not parse is compared the same way.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from compilot.repair.apply import preview_edits
from compilot.repair.edits import parse_edits


def normalize_source(path: str, text: str | None) -> str:
    """A form of ``text`` that ignores what cannot change behaviour."""
    if text is None:
        return "<deleted>"
    if path.endswith(".py"):
        try:
            return ast.dump(ast.parse(text), annotate_fields=True, include_attributes=False)
        except (SyntaxError, ValueError):
            pass  # not valid Python (yet): compare the text lines instead
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())


def patch_key(after: Mapping[str, str | None],
              before: Mapping[str, str | None] | None = None) -> str:
    """A digest of the normalised changed files; files whose normal form equals their
    ``before`` form are left out. Equal keys mean equivalent patches."""
    digest = hashlib.sha256()
    for path in sorted(after):
        normal = normalize_source(path, after[path])
        if before is not None and path in before and normalize_source(path, before[path]) == normal:
            continue
        digest.update(path.encode() + b"\0" + normal.encode() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class PatchGroup:
    """Candidates (indices into the input) that are the same patch; the first represents."""

    key: str
    members: tuple[int, ...]

    @property
    def representative(self) -> int:
        return self.members[0]


def diff_key(repo: Path, diff: str) -> str | None:
    """The :func:`patch_key` of a unified diff (or SEARCH/REPLACE text) against ``repo``,
    computed in memory; ``None`` when it does not apply."""
    parsed = parse_edits(diff)
    if not parsed.ok or not parsed.edits:
        return None
    preview = preview_edits(repo, parsed.edits)
    if not preview.ok:
        return None
    return patch_key({p: preview.after[p] for p in preview.changed}, preview.before)


def dedup_patches(repo: Path, diffs: Sequence[str]) -> tuple[PatchGroup, ...]:
    """Group candidate diffs by equivalence, in order of first appearance. A diff that does
    not apply stays alone in its own group."""
    groups: dict[str, list[int]] = {}
    for index, diff in enumerate(diffs):
        key = diff_key(repo, diff) or f"unapplicable-{index}"
        groups.setdefault(key, []).append(index)
    return tuple(PatchGroup(key, tuple(members)) for key, members in groups.items())
