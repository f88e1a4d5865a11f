"""Tools shared by the workflow tests (and the kill-and-resume child process). Each call is
appended to the file named by COMPILOT_TEST_LOG, so tests can count real executions."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from compilot.tools import tool

FACTS = {("France", "population"): 68, ("Spain", "population"): 48, ("Italy", "population"): 59}


def _log(entry: str) -> None:
    path = os.environ.get("COMPILOT_TEST_LOG")
    if path:
        with Path(path).open("a") as fh:
            fh.write(entry + "\n")


@tool
async def search(country: str, field: str) -> int:
    """Look up a numeric fact (in millions) about a country."""
    _log(f"search {country}")
    slow = country == os.environ.get("COMPILOT_TEST_SLOW")
    await asyncio.sleep(60 if slow else 0.01)
    return FACTS[(country, field)]


@tool
def math(expression: str) -> float:
    """Evaluate an arithmetic expression."""
    _log(f"math {expression}")
    return float(eval(expression, {"__builtins__": {}}))  # test-only tool


@tool(side_effects=True)
def publish(text: str) -> str:
    """Publish a text (needs approval)."""
    _log(f"publish {text}")
    return "published"


TOOLS = [search, math, publish]


def calls(log: Path) -> list[str]:
    """The tool calls logged so far, in order."""
    return log.read_text().splitlines() if log.exists() else []
