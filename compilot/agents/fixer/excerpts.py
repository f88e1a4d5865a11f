"""Which code the fixer's model reads: excerpts of the top localised places, within a budget.

Small local models on a CPU pay for every prompt token (prompt processing runs at roughly
100-170 tokens/s here), and they copy SEARCH text best from short, exact excerpts. So the
prompt shows the ranked locations of source files (overlaps merged, no line-number prefixes
on the code itself), not whole files nor the repository map. Test files are left out: they
are not editable, and the model tends to edit the fixture it was shown instead of the bug.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from compilot.agents.fixer.grammars import is_test_path
from compilot.agents.fixer.localize import Localization

EXCERPT_CHARS = 5_000
_GAP = 2
"""Runs of shown lines this close together are joined (fewer, more readable excerpts)."""
_IMPORT = re.compile(r"^(from\s+\S+\s+import\s|import\s)")


@dataclass(frozen=True)
class Excerpt:
    """Lines ``start_line``..``end_line`` (1-based, inclusive) of ``path``, verbatim."""

    path: str
    start_line: int
    end_line: int
    lines: tuple[str, ...]

    def render(self) -> str:
        return (f"{self.path} (lines {self.start_line}-{self.end_line})\n```python\n"
                + "\n".join(self.lines) + "\n```")


def _cost(lines: list[str], numbers: set[int]) -> int:
    return sum(len(lines[n - 1]) + 1 for n in numbers)


def _shown_lines(loc: Localization, files: Mapping[str, str], limit: int,
                 allow_tests: bool) -> dict[str, set[int]]:
    """Line numbers to show per path (best-ranked path first), within ``limit`` chars."""
    shown: dict[str, set[int]] = {}
    used = 0
    for found in loc.locations:
        text = files.get(found.path)
        if text is None or (is_test_path(found.path) and not allow_tests):
            continue
        lines = text.splitlines()
        wanted = set(range(max(found.start_line, 1), min(found.end_line, len(lines)) + 1))
        new = wanted - shown.get(found.path, set())
        cost = _cost(lines, new)
        if used + cost > limit:
            if used:
                continue  # a smaller, lower-ranked place may still fit
            new = _head_within(lines, sorted(new), limit)
            cost = _cost(lines, new)
        shown.setdefault(found.path, set()).update(new)
        used += cost
    return shown


def _head_within(lines: list[str], numbers: list[int], limit: int) -> set[int]:
    """The first of ``numbers`` whose lines fit in ``limit`` chars (a huge top location)."""
    out: set[int] = set()
    used = 0
    for n in numbers:
        used += len(lines[n - 1]) + 1
        if used > limit:
            break
        out.add(n)
    return out


def _runs(numbers: set[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for n in sorted(numbers):
        if runs and n - runs[-1][1] <= _GAP + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def select_excerpts(loc: Localization, files: Mapping[str, str], *,
                    limit: int = EXCERPT_CHARS, allow_tests: bool = False,
                    ) -> tuple[Excerpt, ...]:
    """Excerpts of the top locations, best-ranked file first, each file's in line order."""
    out: list[Excerpt] = []
    for path, numbers in _shown_lines(loc, files, limit, allow_tests).items():
        lines = files[path].splitlines()
        for start, end in _runs(numbers):
            out.append(Excerpt(path, start, end, tuple(lines[start - 1:end])))
    return tuple(out)


def lines_by_path(excerpts: tuple[Excerpt, ...]) -> dict[str, tuple[str, ...]]:
    """Every line shown per path: what a SEARCH section may copy."""
    out: dict[str, list[str]] = {}
    for ex in excerpts:
        out.setdefault(ex.path, []).extend(ex.lines)
    return {path: tuple(lines) for path, lines in out.items()}


def import_hint(files: Mapping[str, str], limit: int = 6) -> str:
    """The import lines of the first test file read: how tests reach the code under test."""
    for path, text in files.items():
        if is_test_path(path):
            found = [line for line in text.splitlines() if _IMPORT.match(line)]
            if found:
                return "\n".join(found[:limit])
    return ""
