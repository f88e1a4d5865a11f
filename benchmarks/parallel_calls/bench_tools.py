"""The benchmark's two tools for compilot (ReAct and LLMCompiler-style alike): ``search``
with a fixed simulated latency, and ``math``."""

from __future__ import annotations

import ast
import asyncio
import operator
import os
import re
from typing import Any, Literal

from facts import lookup

from compilot.tools import tool

LATENCY_S = float(os.environ.get("BENCH_SEARCH_LATENCY_S", "0.5"))
Field = Literal["population", "area", "capital", "region", "borders"]
_OPS: dict[type, Any] = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
                         ast.Div: operator.truediv, ast.Pow: operator.pow,
                         ast.USub: operator.neg, ast.UAdd: operator.pos}
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")  # "66,078,000" -> "66078000"
_FUNCS: dict[str, Any] = {"max": max, "min": min, "round": round, "abs": abs, "sum": sum}


def evaluate(expression: str) -> float:
    """Arithmetic only: numbers, + - * / **, parentheses, max/min/round/abs/sum."""
    def ev(node: ast.AST) -> Any:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.operand))
        if isinstance(node, ast.List | ast.Tuple):
            return [ev(e) for e in node.elts]
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in _FUNCS):
            return _FUNCS[node.func.id](*[ev(a) for a in node.args])
        raise ValueError(f"not arithmetic: {ast.unparse(node)}")
    value = ev(ast.parse(_THOUSANDS.sub("", expression), mode="eval").body)
    return round(float(value), 4)


async def search_fact(country: str, field: str) -> Any:
    await asyncio.sleep(LATENCY_S)
    return lookup(country, field)


@tool
async def search(country: str, field: Field) -> int | float | str | list[str]:
    """Look up one fact about a country: population (people), area (km2), capital, region,
    or borders (the names of its neighbouring countries)."""
    return await search_fact(country, field)


@tool
def math(expression: str) -> float:
    """Evaluate an arithmetic expression, e.g. "(3 + 4) / 2" or "max(3, 9)"."""
    return evaluate(expression)


TOOLS = [search, math]
