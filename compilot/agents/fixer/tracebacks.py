"""``file:line`` locations quoted in an issue: Python tracebacks and pytest reports.

Recognised: ``File "/abs/path/x.py", line 12, in func`` (CPython tracebacks) and
``path/x.py:12: Error`` / ``path/x.py:12: in func`` (pytest). Paths are mapped onto the
repository's own files by their longest matching path suffix, so a traceback from another
machine or from an installed copy (``site-packages/pkg/mod.py``) still lands on ``src/pkg/mod.py``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

_PYTHON_FRAME = re.compile(r'File "(?P<path>[^"\n]+?\.py)", line (?P<line>\d+)'
                           r"(?:, in (?P<func>[^\s,]+))?")
_PYTEST_FRAME = re.compile(r"(?<![\w/.\\-])(?P<path>[\w./\\~-]+\.py):(?P<line>\d+)\b"
                           r"(?::\s*in\s+(?P<func>[\w.<>]+))?")
_FOREIGN = ("site-packages", "dist-packages", "/lib/python", "\\lib\\python")


@dataclass(frozen=True)
class TraceFrame:
    """A repo-relative ``path:line`` quoted in the issue; ``order`` counts from the top."""

    path: str
    line: int
    function: str | None
    raw: str
    order: int


def _parts(path: str) -> list[str]:
    return [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]


class PathResolver:
    """Maps a path seen in a traceback to one repo-relative path, or ``None``."""

    def __init__(self, repo_files: Iterable[str]) -> None:
        self.files = set(repo_files)
        self.by_name: dict[str, list[list[str]]] = defaultdict(list)
        for rel in self.files:
            parts = _parts(rel)
            self.by_name[parts[-1]].append(parts)

    def resolve(self, raw: str) -> str | None:
        parts = _parts(raw)
        if not parts:
            return None
        if "/".join(parts) in self.files:
            return "/".join(parts)
        scored = sorted(((_common_suffix(parts, c), c) for c in self.by_name.get(parts[-1], [])),
                        key=lambda p: -p[0])
        if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
            return None
        depth, best = scored[0]
        foreign = any(marker in raw.replace("\\", "/") for marker in _FOREIGN)
        if depth < 2 and (foreign or (len(parts) > 1 and len(best) > 1)):
            return None
        return "/".join(best)


def _common_suffix(a: list[str], b: list[str]) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def parse_trace_frames(text: str, repo_files: Iterable[str]) -> tuple[TraceFrame, ...]:
    """Every quoted location that maps to a repository file, in the order they appear."""
    resolver = PathResolver(repo_files)
    found: list[tuple[int, str, int, str | None, str]] = []
    for pattern in (_PYTHON_FRAME, _PYTEST_FRAME):
        for m in pattern.finditer(text):
            func = m.group("func")
            if func in ("<module>", None) or (func and func.startswith("<")):
                func = None
            found.append((m.start(), m.group("path"), int(m.group("line")), func, m.group(0)))
    frames: list[TraceFrame] = []
    seen: set[tuple[str, int]] = set()
    for _, raw_path, line, func, raw in sorted(found):
        rel = resolver.resolve(raw_path)
        if rel is None or (rel, line) in seen:
            continue
        seen.add((rel, line))
        frames.append(TraceFrame(rel, line, func, raw, len(frames)))
    return tuple(frames)
