"""Single-operator mutants of a correct program: the buggy inputs of the repair benchmark.

Each mutant changes exactly one operator or constant: a comparison (``<`` -> ``<=``,
``==`` -> ``!=``, ...), ``+``/``-``, ``*``/``//``, ``and``/``or``, or an integer constant off by
one. Enumeration is deterministic; :func:`sample_mutants` picks with a seeded RNG. Whether a
mutant really is buggy (fails the tests) is for the caller to check in a sandbox.
"""

from __future__ import annotations

import ast
import random
from collections.abc import Iterator
from dataclasses import dataclass

_COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}
_BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.FloorDiv, ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
}
_BOOL_SWAPS: dict[type[ast.boolop], type[ast.boolop]] = {ast.And: ast.Or, ast.Or: ast.And}


@dataclass(frozen=True)
class Mutant:
    """One mutated program and a human-readable description of the change."""

    source: str
    description: str
    line: int


def _sites(tree: ast.AST, function: str | None) -> Iterator[tuple[ast.AST, int]]:
    """(node, option) pairs that can be mutated, in a stable walk order."""
    root = tree
    if function is not None:
        root = next((n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)
                     and n.name == function), tree)
    for node in ast.walk(root):
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in _COMPARE_SWAPS:
                    yield node, i
        elif (isinstance(node, ast.BinOp | ast.AugAssign) and type(node.op) in _BINOP_SWAPS
              or isinstance(node, ast.BoolOp)):
            yield node, 0
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            yield node, 1
            yield node, -1


def _apply(node: ast.AST, option: int) -> str:
    """Mutate ``node`` in place; return the description."""
    if isinstance(node, ast.Compare):
        old = node.ops[option]
        node.ops[option] = _COMPARE_SWAPS[type(old)]()
        return f"{type(old).__name__} -> {type(node.ops[option]).__name__}"
    if isinstance(node, ast.BinOp | ast.AugAssign):
        old_op = node.op
        node.op = _BINOP_SWAPS[type(old_op)]()
        return f"{type(old_op).__name__} -> {type(node.op).__name__}"
    if isinstance(node, ast.BoolOp):
        old_bool = node.op
        node.op = _BOOL_SWAPS[type(old_bool)]()
        return f"{type(old_bool).__name__} -> {type(node.op).__name__}"
    if not isinstance(node, ast.Constant) or type(node.value) is not int:
        raise TypeError(f"not a mutation site: {ast.dump(node)}")
    before: int = node.value
    node.value = before + option
    return f"constant {before} -> {node.value}"


def mutants(source: str, function: str | None = None) -> list[Mutant]:
    """Every single-operator mutant of ``source`` (of ``function`` only, if given)."""
    base = ast.parse(source)
    count = sum(1 for _ in _sites(base, function))
    out: list[Mutant] = []
    seen = {ast.unparse(base)}
    for index in range(count):
        tree = ast.parse(source)
        node, option = list(_sites(tree, function))[index]
        description = _apply(node, option)
        text = ast.unparse(tree)
        if text not in seen:
            seen.add(text)
            out.append(Mutant(text, description, getattr(node, "lineno", 0)))
    return out


def sample_mutants(source: str, function: str | None, k: int, seed: int) -> list[Mutant]:
    """``k`` mutants chosen reproducibly (all of them when there are fewer)."""
    every = mutants(source, function)
    rng = random.Random(f"{seed}:{function}:{len(source)}")
    rng.shuffle(every)
    return every[:k]
