"""Locate a SEARCH block in a file, tolerating the whitespace slips small models make.

Three passes, strictest first; the first pass that finds anything decides:

1. exact lines;
2. lines equal once trailing whitespace is ignored;
3. lines equal up to one uniform indentation offset (the replacement is re-indented by it).

Several matches in the deciding pass are ambiguous and reported, not guessed. When nothing
matches, :func:`closest_window` finds the most similar lines for a "did you mean" reply.
Everything here works on ``\\n``-joined lines; newline style is handled by the caller.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

Pass = Literal["exact", "trailing_whitespace", "indentation"]


@dataclass(frozen=True)
class Match:
    """Where a SEARCH block sits (0-based ``start``, ``length`` lines) and the replacement
    lines to put there, already re-indented for an indentation-tolerant match."""

    start: int
    length: int
    replacement: tuple[str, ...]
    pass_name: Pass


@dataclass(frozen=True)
class MatchOutcome:
    """Every match found by the deciding pass: one is success, none or several are not."""

    matches: tuple[Match, ...]

    @property
    def unique(self) -> Match | None:
        return self.matches[0] if len(self.matches) == 1 else None


def split_lines(text: str) -> list[str]:
    """Lines of ``\\n``-normalised text, without a phantom last line for the final newline."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def find_matches(file_lines: list[str], search: list[str], replace: list[str]) -> MatchOutcome:
    """All places ``search`` matches in ``file_lines``, from the strictest pass that matches."""
    n = len(search)
    if n == 0 or n > len(file_lines):
        return MatchOutcome(())
    starts = range(len(file_lines) - n + 1)
    exact = [i for i in starts if file_lines[i:i + n] == search]
    if exact:
        return MatchOutcome(tuple(Match(i, n, tuple(replace), "exact") for i in exact))
    stripped = [line.rstrip() for line in search]
    loose = [i for i in starts if [x.rstrip() for x in file_lines[i:i + n]] == stripped]
    if loose:
        return MatchOutcome(tuple(Match(i, n, tuple(replace), "trailing_whitespace")
                                  for i in loose))
    found = []
    for i in starts:
        shifted = _indent_match(file_lines[i:i + n], search, replace)
        if shifted is not None:
            found.append(Match(i, n, shifted, "indentation"))
    return MatchOutcome(tuple(found))


def _indent_match(window: list[str], search: list[str], replace: list[str],
                  ) -> tuple[str, ...] | None:
    """The re-indented replacement if ``window`` equals ``search`` up to a uniform indent."""
    pairs = [(w.rstrip(), s.rstrip()) for w, s in zip(window, search, strict=True)]
    if any(bool(w.strip()) != bool(s.strip()) for w, s in pairs):
        return None
    first = next(((w, s) for w, s in pairs if s.strip()), None)
    if first is None:
        return None
    file_indent, search_indent = _indent(first[0]), _indent(first[1])
    if len(file_indent) > len(search_indent):
        prefix = file_indent[: len(file_indent) - len(search_indent)]
        if all(w == prefix + s for w, s in pairs if s):
            return tuple(prefix + r if r.strip() else r for r in replace)
    elif len(search_indent) > len(file_indent):
        prefix = search_indent[: len(search_indent) - len(file_indent)]
        if all(s == prefix + w for w, s in pairs if s):
            return tuple(_dedent(r, prefix) for r in replace)
    return None


def _dedent(line: str, prefix: str) -> str:
    if line.startswith(prefix):
        return line[len(prefix):]
    indent = _indent(line)
    return line[min(len(indent), len(prefix)):]


@dataclass(frozen=True)
class Window:
    """The file lines most similar to a SEARCH block that did not match (0-based start)."""

    start: int
    lines: tuple[str, ...]
    ratio: float


def closest_window(file_lines: list[str], search: list[str]) -> Window | None:
    """The window of ``len(search)`` lines most similar to ``search`` (difflib ratio)."""
    n = len(search)
    if n == 0 or not file_lines:
        return None
    n = min(n, len(file_lines))
    target = "\n".join(line.strip() for line in search)
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(target)
    best: Window | None = None
    for i in range(len(file_lines) - n + 1):
        window = file_lines[i:i + n]
        matcher.set_seq1("\n".join(line.strip() for line in window))
        if best is not None and matcher.real_quick_ratio() <= best.ratio:
            continue
        if best is not None and matcher.quick_ratio() <= best.ratio:
            continue
        ratio = matcher.ratio()
        if best is None or ratio > best.ratio:
            best = Window(i, tuple(window), ratio)
    return best
