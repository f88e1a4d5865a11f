"""A ranked, budget-fitted map of a repository: which files matter and what they define.

Files are nodes; file A points at file B once per identifier A uses that B defines. A
personalised PageRank (power iteration) over that graph, biased toward the files that define
identifiers the issue mentions, ranks files; each file's rank then flows along its edges to the
definitions it references, which ranks definitions. The rendered map lists paths and
signatures, best first, cut to fit a token budget (tokens ~ characters / 4).
"""

from __future__ import annotations

import builtins
import math
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from compilot.agents.fixer.tags import Definition, FileTags

DAMPING = 0.85
MENTION_BOOST = 10.0
EDGE_FLOOR = 1.0
"""A file passes on its full rank only when its edges weigh at least this much in total."""
# Names that also belong to builtins or builtin types (``get``, ``join``, ``items``...): a
# reference to them is more often ``dict.get`` than the repository's own ``get``.
_GENERIC = frozenset(dir(builtins)).union(*(dir(t) for t in (dict, list, str, set, bytes, int)))


@dataclass(frozen=True)
class RankedMap:
    """Files and definitions, best first, with their scores."""

    files: tuple[tuple[str, float], ...]
    definitions: tuple[tuple[Definition, float], ...]

    def render(self, budget_tokens: int) -> str:
        """The longest prefix of the ranked definitions whose rendering fits the budget."""
        lo, hi = 0, len(self.definitions)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if approx_tokens(render_definitions(self.definitions[:mid])) <= budget_tokens:
                lo = mid
            else:
                hi = mid - 1
        return render_definitions(self.definitions[:lo])


def approx_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def render_definitions(ranked: tuple[tuple[Definition, float], ...]) -> str:
    """Group definitions by file (files in order of their best definition), by line within."""
    by_file: dict[str, list[Definition]] = {}
    for definition, _ in ranked:
        by_file.setdefault(definition.path, []).append(definition)
    blocks = []
    for path, defs in by_file.items():
        lines = [f"{path}:"]
        shown = {d.name for d in defs}
        for d in sorted(defs, key=lambda d: d.start_line):
            parent = d.name.rpartition(".")[0]
            where = f"{d.name} L{d.start_line}" if parent and parent not in shown else (
                f"L{d.start_line}")
            lines.append(f"{'    ' * (d.depth + 1)}{d.signature}  # {where}")
        blocks.append("\n".join(lines))
    return "\n".join(blocks) + ("\n" if blocks else "")


Edges = dict[str, dict[tuple[str, str], float]]
"""source file -> (target file, reference key) -> weight"""


def _edge_weight(ident: str, count: int, rarity: float, mentioned: Collection[str]) -> float:
    name = ident.lstrip(".")
    weight = math.sqrt(count) * rarity
    if name in mentioned:
        weight *= MENTION_BOOST
    elif name.startswith("_") or name in _GENERIC or len(name) < 3:
        weight *= 0.1
    return weight


def _attribute_factor(src: FileTags, owners: Collection[str]) -> float:
    """``x.name`` could be any class's ``name``: trust it when the file names the class."""
    return 0.5 if any(owner in src.references for owner in owners) else 0.05


def build_edges(tags: Mapping[str, FileTags], mentioned: Collection[str] = ()) -> Edges:
    """The weighted reference graph between files."""
    definers: dict[str, set[str]] = defaultdict(set)
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path, file_tags in tags.items():
        for d in file_tags.definitions:
            if d.reference_key is not None:
                definers[d.reference_key].add(path)
                owners[(path, d.reference_key)].add(d.name.rsplit(".", 2)[-2:][0])
    users: Counter[str] = Counter()
    for file_tags in tags.values():
        users.update(i for i in file_tags.references if i in definers)
    edges: Edges = defaultdict(dict)
    for src, file_tags in tags.items():
        for ident, count in file_tags.references.items():
            targets = definers.get(ident, set()) - {src}
            if not targets:
                continue
            # An identifier used all over the repository says little about any one use.
            rarity = math.log(1 + len(tags) / users[ident])
            base = _edge_weight(ident, count, rarity, mentioned) * (
                0.1 if len(definers[ident]) > 5 else 1.0)
            for dst in targets:
                factor = (_attribute_factor(file_tags, owners[(dst, ident)])
                          if ident.startswith(".") else 1.0)
                edges[src][(dst, ident)] = base * factor
    return edges


def rank_repository(tags: Mapping[str, FileTags], mentioned: Collection[str] = (),
                    mentioned_files: Collection[str] = (), iterations: int = 60) -> RankedMap:
    """Rank files and definitions; ``mentioned`` names (identifiers) and ``mentioned_files``
    (paths) from the issue personalise the ranking."""
    edges = build_edges(tags, mentioned)
    personal = _personalisation(tags, mentioned, mentioned_files)
    file_rank = _pagerank(list(tags), edges, personal, iterations)
    return RankedMap(
        files=tuple(sorted(file_rank.items(), key=lambda p: (-p[1], p[0]))),
        definitions=_rank_definitions(tags, edges, file_rank, mentioned))


def _personalisation(tags: Mapping[str, FileTags], mentioned: Collection[str],
                     mentioned_files: Collection[str]) -> dict[str, float]:
    weights = dict.fromkeys(tags, 0.0)
    definers: dict[str, set[str]] = defaultdict(set)
    for path, file_tags in tags.items():
        for d in file_tags.definitions:
            definers[d.short_name].add(path)
    for ident in mentioned:
        for path in definers.get(ident, ()):
            weights[path] += 1.0 / len(definers[ident])
    for path in mentioned_files:
        if path in weights:
            weights[path] += 1.0
    total = sum(weights.values())
    if total == 0:
        return {p: 1.0 / len(tags) for p in tags} if tags else {}
    return {p: w / total for p, w in weights.items()}


def _pagerank(nodes: list[str], edges: Edges,
              personal: Mapping[str, float], iterations: int) -> dict[str, float]:
    out_weight = {n: sum(edges.get(n, {}).values()) for n in nodes}
    rank = dict(personal)
    for _ in range(iterations):
        nxt = {n: (1 - DAMPING) * personal[n] for n in nodes}
        # A file's weak edges keep only their own weight (the floor): the rest of its rank
        # returns to the issue-personalised start, like a dangling node's.
        kept = {n: rank[n] * min(out_weight[n], EDGE_FLOOR) / EDGE_FLOOR for n in nodes}
        returned = sum(rank[n] - kept[n] for n in nodes)
        for n in nodes:
            nxt[n] += DAMPING * returned * personal[n]
        for src, targets in edges.items():
            if out_weight[src] == 0:
                continue
            share = DAMPING * kept[src] / out_weight[src]
            for (dst, _), w in targets.items():
                nxt[dst] += share * w
        delta = sum(abs(nxt[n] - rank[n]) for n in nodes)
        rank = nxt
        if delta < 1e-9:
            break
    return rank


def _rank_definitions(tags: Mapping[str, FileTags],
                      edges: Edges,
                      file_rank: Mapping[str, float], mentioned: Collection[str],
                      ) -> tuple[tuple[Definition, float], ...]:
    flow: dict[tuple[str, str], float] = defaultdict(float)
    for src, targets in edges.items():
        total = max(sum(targets.values()), EDGE_FLOOR)
        for (dst, ident), w in targets.items():
            flow[(dst, ident)] += file_rank[src] * w / total
    scored = []
    for path, file_tags in tags.items():
        n = max(len(file_tags.definitions), 1)
        for d in file_tags.definitions:
            score = 1e-3 * file_rank[path] / n
            if d.reference_key is not None:
                score += flow.get((path, d.reference_key), 0.0)
            if d.short_name in mentioned or d.name in mentioned:
                score += file_rank[path]
            scored.append((d, score))
    scored.sort(key=lambda p: (-p[1], p[0].path, p[0].start_line))
    return tuple(scored)
