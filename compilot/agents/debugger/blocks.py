"""Basic blocks of a Python function, from a control-flow graph built on its AST.

The debugger shows the model a program one basic block at a time (LDB). A block is a run of
statements that execute together; branches, loop headers, handlers and the statement after a
``yield`` start new ones. Each block knows the source lines that belong to it, so the tracer
can map a line event to a block id. Comprehensions and generator expressions get a block of
their own: their inner frames are not traced, so the block boundary is where their value shows.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from typing import Any

LineRange = tuple[int, int]


@dataclass(frozen=True)
class Block:
    """One basic block: ``ranges`` are inclusive line ranges of its statements/headers."""

    id: int
    kind: str
    ranges: tuple[LineRange, ...]
    successors: tuple[int, ...] = ()

    @property
    def start(self) -> int:
        return self.ranges[0][0]

    @property
    def end(self) -> int:
        return max(end for _, end in self.ranges)

    def lines(self) -> list[int]:
        return sorted({n for a, b in self.ranges for n in range(a, b + 1)})

    def code(self, source: str) -> str:
        text = source.splitlines()
        return "\n".join(text[n - 1] for n in self.lines() if 0 < n <= len(text))


@dataclass(frozen=True)
class BlockMap:
    """The blocks of one function and the line -> block mapping the tracer needs."""

    function: str
    blocks: tuple[Block, ...]

    def block_of(self, line: int) -> int | None:
        return self.line_map().get(line)

    def line_map(self) -> dict[int, int]:
        return {n: b.id for b in self.blocks for n in b.lines()}

    def __getitem__(self, block_id: int) -> Block:
        return self.blocks[block_id]

    def to_tracer(self) -> dict[str, Any]:
        """The JSON-able form shipped to the tracer script."""
        return {"function": self.function,
                "lines": {str(n): b for n, b in self.line_map().items()},
                "entries": {str(b.id): list(b.ranges[0]) for b in self.blocks}}

    def to_json(self) -> str:
        return json.dumps(self.to_tracer())


@dataclass
class _Draft:
    id: int
    kind: str
    ranges: list[LineRange] = field(default_factory=list)
    succ: list[int] = field(default_factory=list)


def _span(node: ast.AST) -> LineRange:
    start = node.lineno  # type: ignore[attr-defined]
    for deco in getattr(node, "decorator_list", ()):
        start = min(start, deco.lineno)
    return start, node.end_lineno or start  # type: ignore[attr-defined]


_ISOLATED = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda)
_SUSPENDS = (ast.Yield, ast.YieldFrom, ast.Await)


def _contains(stmt: ast.stmt, kinds: tuple[type, ...]) -> bool:
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return False  # a nested definition's body runs in another frame
    return any(isinstance(n, kinds) for n in ast.walk(stmt))


class _Builder:
    """Walks statements, opening a new block wherever control can branch or join."""

    def __init__(self) -> None:
        self.drafts: list[_Draft] = []
        self.loops: list[tuple[_Draft, _Draft]] = []  # (header, after) for continue/break

    def new(self, kind: str) -> _Draft:
        draft = _Draft(len(self.drafts), kind)
        self.drafts.append(draft)
        return draft

    def start(self, cur: _Draft, kind: str) -> _Draft:
        """``cur`` itself when it is still empty, else a fresh successor of it."""
        if not cur.ranges:
            cur.kind = kind
            return cur
        nxt = self.new(kind)
        self.link(cur, nxt)
        return nxt

    @staticmethod
    def link(src: _Draft | None, dst: _Draft) -> None:
        if src is not None and dst.id not in src.succ:
            src.succ.append(dst.id)

    def body(self, stmts: list[ast.stmt], cur: _Draft | None) -> _Draft | None:
        for stmt in stmts:
            if cur is None:  # code after return/raise/break: unreachable, still mapped
                cur = self.new("unreachable")
            cur = self.stmt(stmt, cur)
        return cur

    def stmt(self, node: ast.stmt, cur: _Draft) -> _Draft | None:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is not None:
            return method(node, cur)  # type: ignore[no-any-return]
        return self.simple(node, cur)

    def simple(self, node: ast.stmt, cur: _Draft) -> _Draft | None:
        isolated = _contains(node, _ISOLATED)
        if isolated:
            cur = self.start(cur, "comprehension")
        cur.ranges.append(_span(node))
        if isinstance(node, ast.Return | ast.Raise):
            return None
        if isinstance(node, ast.Break | ast.Continue):
            if self.loops:
                header, after = self.loops[-1]
                self.link(cur, after if isinstance(node, ast.Break) else header)
            return None
        if isolated or _contains(node, _SUSPENDS):
            nxt = self.new("after-yield" if not isolated else "block")
            self.link(cur, nxt)
            return nxt
        return cur

    def _If(self, node: ast.If, cur: _Draft) -> _Draft | None:
        cur.ranges.append((node.lineno, node.test.end_lineno or node.lineno))
        then = self.new("if-true")
        self.link(cur, then)
        ends = [self.body(node.body, then)]
        if node.orelse:
            other = self.new("elif" if _is_elif(node) else "else")
            self.link(cur, other)
            ends.append(self.body(node.orelse, other))
        else:
            ends.append(cur)
        return self.join(ends, "after-if")

    def join(self, ends: list[_Draft | None], kind: str) -> _Draft | None:
        live = [e for e in ends if e is not None]
        if not live:
            return None
        after = self.new(kind)
        for end in live:
            self.link(end, after)
        return after

    def _loop(self, node: ast.For | ast.AsyncFor | ast.While, cur: _Draft,
              header_end: int) -> _Draft | None:
        header = self.start(cur, "loop-header")
        header.ranges.append((node.lineno, header_end))
        body = self.new("loop-body")
        self.link(header, body)
        after = self.new("after-loop")
        self.loops.append((header, after))
        end = self.body(node.body, body)
        self.loops.pop()
        self.link(end, header)
        if node.orelse:
            other = self.new("loop-else")
            self.link(header, other)
            self.link(self.body(node.orelse, other), after)
        else:
            self.link(header, after)
        return after

    def _For(self, node: ast.For, cur: _Draft) -> _Draft | None:
        return self._loop(node, cur, node.iter.end_lineno or node.lineno)

    _AsyncFor = _For

    def _While(self, node: ast.While, cur: _Draft) -> _Draft | None:
        return self._loop(node, cur, node.test.end_lineno or node.lineno)

    def _With(self, node: ast.With, cur: _Draft) -> _Draft | None:
        header = self.start(cur, "with")
        ends = [item.context_expr.end_lineno or node.lineno for item in node.items]
        header.ranges.append((node.lineno, max(ends)))
        body = self.new("with-body")
        self.link(header, body)
        return self.join([self.body(node.body, body)], "after-with")

    _AsyncWith = _With

    def _Try(self, node: ast.Try, cur: _Draft) -> _Draft | None:
        entry = self.start(cur, "try")
        entry.ranges.append((node.lineno, node.lineno))
        ends = [self.body(node.body, entry)]
        if node.orelse:
            other = self.new("try-else")
            self.link(ends[0], other)
            ends = [self.body(node.orelse, other)]
        for handler in node.handlers:
            block = self.new("except")
            self.link(entry, block)
            type_end = handler.type.end_lineno if handler.type is not None else None
            block.ranges.append((handler.lineno, type_end or handler.lineno))
            ends.append(self.body(handler.body, block))
        if not node.finalbody:
            return self.join(ends, "after-try")
        final = self.new("finally")
        for end in [entry, *ends]:
            self.link(end, final)
        return self.join([self.body(node.finalbody, final)], "after-try")

    _TryStar = _Try

    def _Match(self, node: ast.Match, cur: _Draft) -> _Draft | None:
        cur.ranges.append((node.lineno, node.subject.end_lineno or node.lineno))
        ends: list[_Draft | None] = [cur]
        for case in node.cases:
            block = self.new("case")
            self.link(cur, block)
            last = case.guard or case.pattern
            block.ranges.append((case.pattern.lineno, last.end_lineno or case.pattern.lineno))
            ends.append(self.body(case.body, block))
        return self.join(ends, "after-match")


def _is_elif(node: ast.If) -> bool:
    inner = node.orelse[0]
    return (len(node.orelse) == 1 and isinstance(inner, ast.If)
            and inner.col_offset == node.col_offset)


def _finish(drafts: list[_Draft]) -> tuple[Block, ...]:
    """Drop empty blocks (rewiring their edges) and number the rest in source order."""
    by_id = {d.id: d for d in drafts}
    empty = {d.id for d in drafts if not d.ranges}
    for draft in drafts:
        succ: list[int] = []
        todo, seen = list(draft.succ), set()
        while todo:
            nid = todo.pop(0)
            if nid in seen:
                continue
            seen.add(nid)
            if nid in empty:
                todo.extend(by_id[nid].succ)
            elif nid not in succ:
                succ.append(nid)
        draft.succ = succ
    kept = sorted((d for d in drafts if d.ranges), key=lambda d: (min(d.ranges), d.id))
    renumber = {d.id: i for i, d in enumerate(kept)}
    return tuple(Block(renumber[d.id], d.kind, tuple(d.ranges),
                       tuple(renumber[s] for s in d.succ)) for d in kept)


def find_function(tree: ast.Module, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef:
    """The top-level (or class-level) definition of ``name``; ValueError if absent."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return node
    raise ValueError(f"no function named {name!r} in the program")


def build_blocks(source: str, function: str) -> BlockMap:
    """Split ``function`` (defined in ``source``) into basic blocks."""
    node = find_function(ast.parse(source), function)
    builder = _Builder()
    builder.body(node.body, builder.new("entry"))
    return BlockMap(function, _finish(builder.drafts))
