"""The ReAct baseline: one tool call per model turn, observed before the next turn.

The comparison point for the compiler-style :func:`compilot.workflows.run.arun`: the same
tool registry, the same constrained-output machinery and the same :class:`Trace`, but the
model sees every observation before it picks the next call, so nothing runs in parallel.

Output forms (``constrained``): ``json`` - a JSON schema built from the registry whose
``action`` is either ``{"tool": <enum>, "args": {typed}}`` or ``{"final_answer": "..."}``;
``grammar`` - a GBNF grammar of the text form below; ``none`` - the text form, free::

    Thought: <reasoning>
    Action: tool_name(arg="value")        or        Final Answer: <answer>
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from compilot.executor.results import TaskFinished, TaskResult, TaskStarted, render_value
from compilot.llm.types import ChatModel, GenerationOptions, Message
from compilot.planner.calls import record
from compilot.planner.constrained import call_rules, gbnf
from compilot.planner.parser import parse_call
from compilot.planner.plan import Task, iter_refs
from compilot.tools.registry import ToolRegistry, UnknownToolError, as_registry
from compilot.tools.tool import Tool
from compilot.workflows.run import (
    ConstrainedOrAuto,
    Event,
    RunResult,
    Trace,
    TraceCollector,
    resolve_constrained,
)

_FORMAT_TEXT = """Answer the question step by step, ONE tool call per reply. Reply exactly:
Thought: <short reasoning>
Action: tool_name(arg="value", other=2)
You will get "Observation: <result>". Repeat until you know the answer, then reply:
Thought: <short reasoning>
Final Answer: <the answer, short>"""

_FORMAT_JSON = """Answer the question step by step, ONE tool call per reply. Reply with JSON:
{"thought": "<short reasoning>", "action": {"tool": "tool_name", "args": {...}}}
You will get "Observation: <result>". Repeat until you know the answer, then reply:
{"thought": "<short reasoning>", "action": {"final_answer": "<the answer, short>"}}"""

_EXAMPLE_TEXT = """Example (tools `lookup(name: str)` and `calc(expression: str)`):
Question: What is the total height of Ann and Bob?
Thought: I need Ann's height.
Action: lookup(name="Ann height")
Observation: 170
Thought: Now Bob's height.
Action: lookup(name="Bob height")
Observation: 180
Thought: Add them.
Action: calc(expression="170 + 180")
Observation: 350
Thought: Ann is 170 and Bob is 180, together 350.
Final Answer: 350"""

_EXAMPLE_JSON = """Example (tools `lookup(name: str)` and `calc(expression: str)`):
Question: What is the total height of Ann and Bob?
{"thought": "I need Ann's height.", "action": {"tool": "lookup", "args": {"name": "Ann height"}}}
Observation: 170
{"thought": "Now Bob's height.", "action": {"tool": "lookup", "args": {"name": "Bob height"}}}
Observation: 180
{"thought": "Add them.", "action": {"tool": "calc", "args": {"expression": "170 + 180"}}}
Observation: 350
{"thought": "Ann is 170 and Bob is 180, together 350.", "action": {"final_answer": "350"}}"""

_FINAL_RE = re.compile(r"Final Answer:\s*(.*)", re.S | re.I)
_ACTION_RE = re.compile(r"Action:\s*(.*)", re.I)
_STOP_RE = re.compile(r"^\s*(?:Action|Observation|Thought|Question):", re.M | re.I)


@dataclass(frozen=True)
class Step:
    """One parsed model turn: a final ``answer``, a ``call`` or a ``problem`` to feed back."""

    answer: str | None = None
    call: tuple[str, dict[str, Any]] | None = None
    problem: str | None = None


def action_schema(registry: ToolRegistry) -> dict[str, Any]:
    """``{"thought", "action"}`` where action is one typed call per tool, or the answer."""
    branches: list[dict[str, Any]] = []
    defs: dict[str, Any] = {}
    for t in registry:
        schema = t.json_schema()
        defs.update(schema.pop("$defs", {}))
        args = {"type": "object", "properties": schema.get("properties", {}),
                "required": schema.get("required", []), "additionalProperties": False}
        branches.append({"type": "object", "additionalProperties": False,
                         "properties": {"tool": {"type": "string", "enum": [t.name]},
                                        "args": args}, "required": ["tool", "args"]})
    branches.append({"type": "object", "properties": {"final_answer": {"type": "string"}},
                     "required": ["final_answer"], "additionalProperties": False})
    out: dict[str, Any] = {"type": "object", "additionalProperties": False,
                           "properties": {"thought": {"type": "string"},
                                          "action": {"anyOf": branches}},
                           "required": ["thought", "action"]}
    if defs:
        out["$defs"] = defs
    return out


def action_grammar(registry: ToolRegistry) -> str:
    """The plan grammar's typed call rules, one call or a final answer per turn, no ``$N``."""
    root = ('root ::= "Thought: " [^\\n]* "\\n" ( "Action: " call "\\n"? '
            '| "Final Answer: " [^\\n]+ "\\n"? )')
    return gbnf([root, *call_rules(registry, refs=False, lists=False)])


def parse_step(text: str, registry: ToolRegistry) -> Step:
    """Read one turn in either form; anything unreadable becomes a problem for the model."""
    stripped = text.strip()
    if stripped.startswith("{"):
        return _parse_json_step(stripped)
    action, final = _ACTION_RE.search(stripped), _FINAL_RE.search(stripped)
    if final and (action is None or final.start() < action.start()):
        return Step(answer=_STOP_RE.split(final.group(1), maxsplit=1)[0].strip())
    if action:
        line = action.group(1).strip().splitlines()[0] if action.group(1).strip() else ""
        try:
            return Step(call=parse_call(line.strip("` "), _params_of(registry)))
        except ValueError as exc:
            return Step(problem=f"could not read the action `{line}`: {exc}")
    return Step(problem="reply with `Action: tool_name(...)` or `Final Answer: ...`")


def _parse_json_step(text: str) -> Step:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return Step(problem=f"the reply is not valid JSON ({exc.msg})")
    action = data.get("action") if isinstance(data, dict) else None
    if isinstance(action, dict) and "final_answer" in action:
        return Step(answer=str(action["final_answer"]).strip())
    if isinstance(action, dict) and isinstance(action.get("tool"), str):
        args = action.get("args", {})
        if isinstance(args, dict):
            return Step(call=(action["tool"], args))
    return Step(problem='`action` must be {"tool": ..., "args": {...}} or {"final_answer": ...}')


def _params_of(registry: ToolRegistry) -> Callable[[str], tuple[str, ...] | None]:
    return lambda name: registry.get(name).params if name in registry else None


def _options(registry: ToolRegistry, constrained: str, max_tokens: int) -> GenerationOptions:
    base: dict[str, Any] = {"max_tokens": max_tokens, "temperature": 0.0}
    if constrained == "json":
        return GenerationOptions(json_schema=action_schema(registry), **base)
    if constrained == "grammar":
        return GenerationOptions(grammar=action_grammar(registry), **base)
    return GenerationOptions(stop=("\nObservation:", "Observation:"), **base)


def react_system(registry: ToolRegistry, constrained: str, examples: bool = True) -> str:
    fmt, example = ((_FORMAT_JSON, _EXAMPLE_JSON) if constrained == "json"
                    else (_FORMAT_TEXT, _EXAMPLE_TEXT))
    parts = ["You answer questions with tools.", fmt, "Tools:\n" + registry.describe()]
    return "\n\n".join([*parts, example] if examples else parts)


async def _act(tool: Tool, task: Task, timeout_s: float | None,
               collect: TraceCollector) -> tuple[TaskResult, str]:
    """Run one call; the observation text is the result, or the error for the model."""
    collect(TaskStarted(task, time.time()))
    started = time.time()
    try:
        value = await asyncio.wait_for(tool.ainvoke(dict(task.args)), timeout_s)
        result = TaskResult("ok", value, None, started, time.time(), 1)
        shown = render_value(value)
    except ValidationError as exc:
        msg = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        result = TaskResult("failed", None, f"bad arguments: {msg}", started, time.time(), 1)
        shown = f"ERROR: bad arguments for {tool.signature_text()}: {msg}"
    except TimeoutError:
        result = TaskResult("failed", None, f"timed out after {timeout_s}s", started,
                            time.time(), 1)
        shown = f"ERROR: {tool.name} timed out"
    except Exception as exc:  # a failing tool is an observation the model can react to
        result = TaskResult("failed", None, f"{type(exc).__name__}: {exc}", started,
                            time.time(), 1)
        shown = f"ERROR: {type(exc).__name__}: {exc}"
    collect(TaskFinished(task, result))
    return result, shown


def _check_call(call: tuple[str, dict[str, Any]], registry: ToolRegistry) -> str | None:
    name, args = call
    try:
        registry.get(name)
    except UnknownToolError as exc:
        return str(exc)
    if any(True for _ in iter_refs(args)):
        return "write the actual values from the observations, not $N references"
    return None


async def areact(request: str, *, tools: ToolRegistry | Iterable[Tool | Callable[..., Any]],
                 model: ChatModel, constrained: ConstrainedOrAuto = "auto",
                 max_steps: int = 12, max_tokens: int = 256, examples: bool = True,
                 task_timeout_s: float | None = 60.0,
                 on_event: Callable[[Event], None] | None = None) -> RunResult:
    """Answer ``request`` ReAct-style: at most ``max_steps`` model turns, one call each."""
    registry = as_registry(tools)
    form, model = resolve_constrained(model, constrained)
    collect, begin = TraceCollector(on_event), time.perf_counter()
    messages = [Message(role="system", content=react_system(registry, form, examples)),
                Message(role="user", content=f"Question: {request}")]
    options, answer, note = _options(registry, form, max_tokens), None, None
    seen: dict[str, str] = {}  # call -> observation: small models repeat calls in a loop
    for turn in range(1, max_steps + 1):
        completion = await model.acomplete(messages, options)
        record(collect, "react", completion)
        step = parse_step(completion.text, registry)
        if step.answer is not None:
            answer = step.answer
            break
        problem = step.problem or (_check_call(step.call, registry) if step.call else None)
        key = json.dumps(step.call, sort_keys=True, default=str)
        if step.call is not None and problem is None and key in seen:
            observation = (f"{seen[key]} (you already made this call: use the results you "
                           "have, make a different call, or give the final answer)")
        elif step.call is not None and problem is None:
            task = Task.make(turn, step.call[0], step.call[1])
            _, observation = await _act(registry.get(task.tool), task, task_timeout_s,
                                        collect)
            seen[key] = observation
        else:
            observation = f"ERROR: {problem}"
        messages += [Message(role="assistant", content=completion.text.strip()),
                     Message(role="user", content=f"Observation: {observation}")]
    else:
        note = f"no final answer after {max_steps} steps"
    trace = Trace(tuple(collect.tasks), tuple(collect.calls), time.perf_counter() - begin)
    return RunResult(answer, trace, uuid.uuid4().hex, note=note)


def react(request: str, **kwargs: Any) -> RunResult:
    """Synchronous :func:`areact` (same arguments)."""
    return asyncio.run(areact(request, **kwargs))
