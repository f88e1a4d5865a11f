"""Model-free localisation: where in the repository an issue most likely needs a change.

Signals fused by weighted reciprocal rank (a location found by several signals ranks
higher, and keeps every reason):

* ``file:line`` locations quoted in the issue (tracebacks, pytest output), widened to the
  enclosing function;
* definitions the issue names (code spans first, then the most often named), and the
  module-level assignments those functions read (a constant table is often where the bug is);
* BM25 of the issue text against functions and against whole files;
* the repository map (:mod:`.repo_map`): PageRank over the reference graph, personalised
  toward identifiers and paths the issue mentions.

This is the first step of the issue fixer; the model then reads the top locations and the
rendered map instead of the whole repository.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from compilot.agents.fixer.bm25 import BM25, STOP_WORDS, tokenize
from compilot.agents.fixer.repo_map import rank_repository
from compilot.agents.fixer.tags import (
    Definition,
    FileTags,
    extract_all,
    python_files,
    read_sources,
)
from compilot.agents.fixer.tracebacks import parse_trace_frames

RRF_K = 10
WEIGHTS = {"traceback": 3.0, "mentioned": 2.0, "globals_read": 1.5, "bm25_function": 1.0,
           "repo_map": 1.0, "bm25_file": 0.5}
MAX_HOMONYMS = 3
"""A name the repository defines in more places than this (``__init__``, ``run``) says too
little about where to look to count as mentioned."""
_CODE_SPAN = re.compile(r"```.*?```|`[^`\n]+`", re.S)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Location:
    """A place to look: 1-based inclusive lines; ``symbol`` is ``None`` for a whole file or a
    bare line; ``reason`` says which signals found it."""

    path: str
    start_line: int
    end_line: int
    symbol: str | None
    score: float
    reason: str


@dataclass(frozen=True)
class Localization:
    """Ranked locations (best first) and the repository map rendered within the budget."""

    locations: tuple[Location, ...]
    repo_map: str

    @property
    def files(self) -> tuple[str, ...]:
        """The distinct files of :attr:`locations`, best first."""
        return tuple(dict.fromkeys(loc.path for loc in self.locations))


def mentioned_names(issue: str, tags: Mapping[str, FileTags]) -> tuple[set[str], set[str]]:
    """Identifiers the issue names that the repository defines, and paths the issue names."""
    words = set(_IDENT.findall(issue))
    defined = {d.short_name for t in tags.values() for d in t.definitions}
    names = {w for w in words if w in defined and len(w) > 2 and w.lower() not in STOP_WORDS}
    files = {p for p in tags if p in issue or (p.rsplit("/", 1)[-1] in issue
                                               and p.rsplit("/", 1)[-1] != "__init__.py")}
    return names, files


def _def_location(d: Definition, reason: str) -> Location:
    return Location(d.path, d.start_line, d.end_line, d.name, 0.0, reason)


def traceback_locations(issue: str, tags: Mapping[str, FileTags]) -> list[Location]:
    """Quoted locations, innermost frame first, widened to their enclosing definition."""
    out = []
    for frame in reversed(parse_trace_frames(issue, tags)):
        enclosing = tags[frame.path].enclosing(frame.line)
        reason = f"traceback {frame.path}:{frame.line}"
        if enclosing is None:
            out.append(Location(frame.path, frame.line, frame.line, None, 0.0, reason))
        else:
            out.append(_def_location(enclosing, reason))
    return out


def mentioned_locations(issue: str, tags: Mapping[str, FileTags],
                        sources: Mapping[str, str]) -> tuple[list[Location], list[Location]]:
    """Definitions the issue names, best first: named in code (backticks, code blocks) before
    prose, then by how often; and the module-level assignments those functions read."""
    in_code = Counter(_IDENT.findall(" ".join(_CODE_SPAN.findall(issue))))
    anywhere = Counter(_IDENT.findall(issue))
    by_name: dict[str, list[Definition]] = {}
    for t in tags.values():
        for d in t.definitions:
            by_name.setdefault(d.short_name, []).append(d)
    named = [n for n in anywhere if n in by_name and len(n) > 2
             and n.lower() not in STOP_WORDS and len(by_name[n]) <= MAX_HOMONYMS]
    named.sort(key=lambda n: (-in_code[n], -anywhere[n]))
    defs = [d for n in named for d in by_name[n]]
    found = [_def_location(d, f"named in the issue: {d.short_name}") for d in defs]
    assignments: dict[str, list[tuple[set[str], ast.stmt]]] = {}
    read = []
    for d in defs:
        if d.kind != "class":
            if d.path not in assignments:
                assignments[d.path] = _module_assignments(sources.get(d.path, ""))
            read += _globals_read(d, sources.get(d.path, ""), assignments[d.path])
    return found, read


def _module_assignments(source: str) -> list[tuple[set[str], ast.stmt]]:
    """The module-level assignment statements of ``source`` and the names each binds."""
    try:
        module = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    out = []
    for stmt in module.body:
        targets = (stmt.targets if isinstance(stmt, ast.Assign) else
                   [stmt.target] if isinstance(stmt, ast.AnnAssign | ast.AugAssign) else [])
        names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        if names:
            out.append((names, stmt))
    return out


def _globals_read(d: Definition, source: str,
                  assignments: list[tuple[set[str], ast.stmt]]) -> list[Location]:
    """The module-level assignments (of ``d``'s file) whose names ``d`` reads."""
    if not assignments:
        return []
    try:
        body = ast.parse(textwrap.dedent(_lines(source, d)))
    except (SyntaxError, ValueError):
        return []
    read = {n.id for n in ast.walk(body) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load)}
    return [Location(d.path, stmt.lineno, stmt.end_lineno or stmt.lineno, name, 0.0,
                     f"read by {d.name}")
            for names, stmt in assignments for name in sorted(names & read)]


def bm25_locations(issue: str, sources: Mapping[str, str], tags: Mapping[str, FileTags],
                   k: int = 10) -> tuple[list[Location], list[Location]]:
    """The ``k`` best functions and the ``k`` best files for the issue text, by BM25."""
    query = tokenize(issue)
    paths = sorted(sources)
    file_docs = [tokenize(p) + tokenize(sources[p]) for p in paths]
    files = [Location(paths[i], 1, tags[paths[i]].line_count, None, s, f"bm25 file {s:.2f}")
             for i, s in BM25(file_docs).top(query, k)]
    defs = [d for p in paths for d in tags[p].definitions if d.kind != "class"]
    def_docs = [tokenize(d.name) + tokenize(_lines(sources[d.path], d)) for d in defs]
    funcs = [replace(_def_location(defs[i], f"bm25 function {s:.2f}"), score=s)
             for i, s in BM25(def_docs).top(query, k)]
    return funcs, files


def _lines(source: str, d: Definition) -> str:
    return "\n".join(source.splitlines()[d.start_line - 1:d.end_line])


def _fuse(ranked: Mapping[str, list[Location]], limit: int) -> tuple[Location, ...]:
    """Weighted reciprocal-rank fusion; each signal counts once per location (its best rank),
    so overloads or repeated frames do not inflate a location."""
    merged: dict[tuple[str, str | None, int], Location] = {}
    counted: set[tuple[tuple[str, str | None, int], str]] = set()
    for signal, locations in ranked.items():
        for rank, loc in enumerate(locations):
            key = (loc.path, loc.symbol, loc.start_line if loc.symbol is None else 0)
            if (key, signal) in counted:
                continue
            counted.add((key, signal))
            gain = WEIGHTS[signal] / (RRF_K + rank)
            old = merged.get(key)
            merged[key] = replace(loc, score=gain) if old is None else replace(
                old, score=old.score + gain, reason=f"{old.reason}; {loc.reason}")
    best = sorted(merged.values(), key=lambda x: (-x.score, x.path, x.start_line))
    return tuple(best[:limit])


def localize_sources(sources: Mapping[str, str], issue: str, *, budget_tokens: int = 1024,
                     max_locations: int = 20) -> Localization:
    """:func:`localize` over in-memory sources (repo-relative path -> text)."""
    tags = extract_all(sources)
    names, files = mentioned_names(issue, tags)
    traced = traceback_locations(issue, tags)
    files |= {loc.path for loc in traced}
    ranked_map = rank_repository(tags, names, files)
    funcs, file_hits = bm25_locations(issue, sources, tags)
    map_defs = [_def_location(d, f"repo map rank {s:.3f}")
                for d, s in ranked_map.definitions[:10] if names or files]
    named, read = mentioned_locations(issue, tags, sources)
    signals = {"traceback": traced, "mentioned": named, "globals_read": read,
               "bm25_function": funcs, "repo_map": map_defs, "bm25_file": file_hits}
    return Localization(_fuse(signals, max_locations), ranked_map.render(budget_tokens))


def localize(repo: Path, issue: str, *, budget_tokens: int = 1024, max_locations: int = 20,
             paths: Iterable[str] | None = None) -> Localization:
    """Rank where ``issue`` most likely needs a change in the Python files of ``repo``
    (git's file list in a work tree; ``paths`` overrides it)."""
    chosen = list(paths) if paths is not None else python_files(repo)
    return localize_sources(read_sources(repo, chosen), issue, budget_tokens=budget_tokens,
                            max_locations=max_locations)
