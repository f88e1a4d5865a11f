"""The compared methods on one question: compilot's LLMCompiler-style ``arun`` and its ReAct
baseline, each with constrained (``auto``: JSON schema on llama.cpp) and free-text output.
Every method returns the same record; a failure is a result, not a crash."""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from bench_tools import TOOLS

from compilot.executor.results import TaskStarted
from compilot.llm.types import ChatModel
from compilot.workflows.react import areact
from compilot.workflows.run import arun

Runner = Callable[[str, Any], Awaitable[dict[str, Any]]]


class _Log:
    """The run's tool calls as dispatched (substituted arguments are not shown: the calls
    as planned), for diagnosing a wrong answer from the saved record."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, event: Any) -> None:
        if isinstance(event, TaskStarted):
            self.calls.append(event.task.render())


def _record(result: Any, log: _Log) -> dict[str, Any]:
    tr = result.trace
    return {"answer": result.answer, "note": result.note, "model_calls": len(tr.model_calls),
            "tokens": tr.total_tokens,
            "completion_tokens": sum(c.completion_tokens for c in tr.model_calls),
            "tool_calls": len(tr.tasks), "calls": log.calls,
            "model": [[c.purpose, c.prompt_tokens, c.completion_tokens, round(c.latency_s, 2)]
                      for c in tr.model_calls]}


def compilot_method(constrained: str) -> Runner:
    async def go(question: str, model: ChatModel) -> dict[str, Any]:
        log = _Log()
        result = await arun(question, tools=TOOLS, model=model, constrained=constrained,
                            max_replans=2, on_event=log)
        return _record(result, log)
    return go


def react_method(constrained: str) -> Runner:
    async def go(question: str, model: ChatModel) -> dict[str, Any]:
        log = _Log()
        result = await areact(question, tools=TOOLS, model=model, constrained=constrained,
                              max_steps=12, on_event=log)
        return _record(result, log)
    return go


async def timed(run: Runner, question: str, model: Any, timeout_s: float) -> dict[str, Any]:
    begin = time.perf_counter()
    try:
        rec = await asyncio.wait_for(run(question, model), timeout_s)
    except TimeoutError:
        rec = {"answer": None, "error": f"timed out after {timeout_s}s"}
    except Exception as exc:  # recorded as this method's failure on this question
        rec = {"answer": None, "error": f"{type(exc).__name__}: {exc}"[:500],
               "traceback": traceback.format_exc()[-1500:]}
    rec["wall_s"] = round(time.perf_counter() - begin, 3)
    return rec


def runners() -> dict[str, Runner]:
    from peers import langgraph_react, llmcompiler_peer

    return {"compilot": compilot_method("auto"), "compilot-free": compilot_method("none"),
            "compilot-grammar": compilot_method("grammar"),
            "react": react_method("auto"), "react-free": react_method("none"),
            "langgraph-react": langgraph_react, "llmcompiler": llmcompiler_peer}
