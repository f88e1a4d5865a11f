"""Edit formats a model writes, parsed into frozen :class:`Edit` objects.

Two formats are understood: aider-style SEARCH/REPLACE blocks (a file path line, then
``<<<<<<< SEARCH`` / ``=======`` / ``>>>>>>> REPLACE``, possibly inside ``` fences) and unified
diffs (``--- a/x`` / ``+++ b/x`` / ``@@`` hunks). A diff hunk becomes an edit whose SEARCH is its
context plus removed lines, so wrong line numbers in the hunk header do not matter: the hunk is
located by content (:mod:`compilot.repair.matching`). Text that cannot be parsed is reported as
``problems`` (feedback for the model), never raised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

EditFormat = Literal["search_replace", "udiff"]

_SEARCH = re.compile(r"^\s*<{5,9} ?SEARCH\b.*$")
_DIVIDER = re.compile(r"^\s*={5,9}\s*$")
_REPLACE = re.compile(r"^\s*>{5,9} ?REPLACE\b.*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HUNK = re.compile(r"^@@\s*(?:-(\d+)(?:,(\d+))?\s*\+(\d+)(?:,(\d+))?)?\s*@@")


@dataclass(frozen=True)
class Edit:
    """One change to one file: replace the lines ``search`` with ``replace``.

    An empty ``search`` creates the file (or fills an empty one); ``delete`` removes the file.
    ``hint_line`` is the 1-based line a diff hunk claimed to start at: used only to break a tie
    between several equally good matches, never to place the edit.
    """

    path: str
    search: str
    replace: str
    format: EditFormat = "search_replace"
    hint_line: int | None = None
    delete: bool = False


@dataclass(frozen=True)
class ParsedEdits:
    """The edits found in a model answer, and what could not be parsed (model feedback)."""

    edits: tuple[Edit, ...]
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def parse_edits(text: str) -> ParsedEdits:
    """Parse SEARCH/REPLACE blocks, or a unified diff when the text holds no blocks."""
    lines = text.splitlines()
    if any(_SEARCH.match(line) for line in lines):
        return parse_search_replace(text)
    if any(_HUNK.match(line) for line in lines) or _has_file_header(lines):
        return parse_unified_diff(text)
    return ParsedEdits((), ("No edits found: write SEARCH/REPLACE blocks (a file path line, "
                            "then <<<<<<< SEARCH, =======, >>>>>>> REPLACE) or a unified diff.",))


def _join(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def _clean_path(line: str) -> str:
    path = line.strip().strip("`*").strip()
    path = path.lstrip("#").strip()
    path = path.rstrip(":").strip()
    if path.lower().startswith(("file:", "path:")):
        path = path.split(":", 1)[1].strip()
    return path.strip("`'\"")


def _path_before(lines: list[str], index: int) -> str | None:
    """The file path written on the nearest non-fence line above ``index``."""
    for j in range(index - 1, max(index - 4, -1), -1):
        line = lines[j].strip()
        if not line or _FENCE.match(line):
            continue
        if _REPLACE.match(line) or _DIVIDER.match(line):
            return None
        candidate = _clean_path(line)
        if candidate and " " not in candidate:
            return candidate
        return None
    return None


def parse_search_replace(text: str) -> ParsedEdits:
    """Parse aider-style SEARCH/REPLACE blocks; a block without a path line reuses the last."""
    lines = text.splitlines()
    edits: list[Edit] = []
    problems: list[str] = []
    path: str | None = None
    i = 0
    while i < len(lines):
        if not _SEARCH.match(lines[i]):
            i += 1
            continue
        path = _path_before(lines, i) or path
        block, end, problem = _read_block(lines, i + 1)
        number = len(edits) + len(problems) + 1
        if problem:
            problems.append(f"SEARCH/REPLACE block #{number}: {problem}")
        elif path is None:
            problems.append(f"SEARCH/REPLACE block #{number} has no file path: write the "
                            "path alone on the line before <<<<<<< SEARCH.")
        else:
            edits.append(Edit(path=path, search=block[0], replace=block[1]))
        i = end + 1
    return ParsedEdits(tuple(edits), tuple(problems))


def _read_block(lines: list[str], start: int) -> tuple[tuple[str, str], int, str | None]:
    """Read SEARCH and REPLACE text from ``start``; return them, the end index, a problem."""
    search: list[str] = []
    replace: list[str] = []
    current = search
    seen_divider = False
    for j in range(start, len(lines)):
        line = lines[j]
        if _DIVIDER.match(line) and not seen_divider:
            seen_divider, current = True, replace
        elif _REPLACE.match(line):
            if not seen_divider:
                return ("", ""), j, "missing the ======= line between SEARCH and REPLACE."
            return (_join(search), _join(replace)), j, None
        elif _SEARCH.match(line):
            return ("", ""), j - 1, "a new <<<<<<< SEARCH started before >>>>>>> REPLACE."
        else:
            current.append(line)
    return ("", ""), len(lines), "not closed with a >>>>>>> REPLACE line."


def _has_file_header(lines: list[str]) -> bool:
    pairs = zip(lines, lines[1:], strict=False)
    return any(a.startswith("--- ") and b.startswith("+++ ") for a, b in pairs)


def _diff_path(line: str) -> str | None:
    raw = line[4:].split("\t")[0].strip()
    if raw == "/dev/null":
        return None
    if raw.startswith(("a/", "b/")):
        raw = raw[2:]
    return raw


def parse_unified_diff(text: str) -> ParsedEdits:
    """Parse a unified diff: one edit per hunk, located later by content, not line number."""
    lines = text.splitlines()
    edits: list[Edit] = []
    problems: list[str] = []
    old: str | None = None
    new: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            old, new = _diff_path(line), _diff_path(lines[i + 1])
            if old is not None and new is None:
                edits.append(Edit(path=old, search="", replace="", format="udiff", delete=True))
            i += 2
            continue
        match = _HUNK.match(line)
        if not match:
            i += 1
            continue
        body, i = _hunk_body(lines, i + 1)
        target = new if new is not None else old
        if target is None:
            problems.append(f"Hunk {line!r} comes before any '--- a/path' / '+++ b/path' header.")
        elif new is not None:
            hint = int(match.group(1)) if match.group(1) else None
            edits.append(_hunk_edit(target, body, hint))
    if not edits and not problems:
        problems.append("The diff holds no hunks ('@@ ... @@' followed by ' ', '-', '+' lines).")
    return ParsedEdits(tuple(edits), tuple(problems))


def _hunk_body(lines: list[str], start: int) -> tuple[list[str], int]:
    body: list[str] = []
    j = start
    while j < len(lines):
        line = lines[j]
        if _HUNK.match(line) or line.startswith("diff "):
            break
        if line.startswith("--- ") and j + 1 < len(lines) and lines[j + 1].startswith("+++ "):
            break
        if line and line[0] not in " +-\\":
            break
        body.append(line)
        j += 1
    while body and body[-1] == "":
        body.pop()
    return body, j


def _hunk_edit(path: str, body: list[str], hint: int | None) -> Edit:
    search: list[str] = []
    replace: list[str] = []
    for line in body:
        if line.startswith("\\"):
            continue  # "\ No newline at end of file"
        tag, content = (line[0], line[1:]) if line else (" ", "")
        if tag in " -":
            search.append(content)
        if tag in " +":
            replace.append(content)
    return Edit(path=path, search=_join(search), replace=_join(replace), format="udiff",
                hint_line=hint)
