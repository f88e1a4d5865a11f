"""The joiner: reads the results and decides - a final answer, or a replan with a reason.

With ``constrained="json"`` the decision is a JSON object whose ``action`` is an enum (only
``finish`` once replans are used up); with ``grammar`` a GBNF grammar of the text form.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from compilot.executor.results import TaskResult, render_value
from compilot.llm.types import ChatModel, GenerationOptions, Message
from compilot.planner.calls import ModelCallSink, record
from compilot.planner.compare import IsChoice, is_free_argument, rankings
from compilot.planner.plan import Task
from compilot.planner.prompts import Constrained, joiner_instructions, joiner_user
from compilot.tools.registry import ToolRegistry

_ACTION_RE = re.compile(r"Action:\s*(Finish|Replan)\s*\((.*)\)\s*$", re.I | re.S)
_JOIN_GRAMMAR = r'''root ::= "Thought: " [^\n]* "\n" "Action: " action
action ::= "Finish(" [^\n)]* ")" | "Replan(" [^\n)]* ")"'''
_JOIN_GRAMMAR_FINAL = r'''root ::= "Thought: " [^\n]* "\n" "Action: Finish(" [^\n)]* ")"'''


@dataclass(frozen=True)
class JoinDecision:
    """``finish`` with the answer in ``content``, or ``replan`` with the reason."""

    action: Literal["finish", "replan"]
    content: str
    thought: str = ""

    @property
    def answer(self) -> str | None:
        return self.content if self.action == "finish" else None


def join_schema(may_replan: bool) -> dict[str, Any]:
    actions = ["finish", "replan"] if may_replan else ["finish"]
    return {"type": "object",
            "properties": {"thought": {"type": "string"},
                           "action": {"type": "string", "enum": actions},
                           "content": {"type": "string"}},
            "required": ["thought", "action", "content"], "additionalProperties": False}


def format_results(tasks: Sequence[Task], results: Mapping[int, TaskResult],
                   max_chars: int = 1500, is_choice: IsChoice | None = None) -> str:
    """``N. tool(args) -> result`` per task; long results are cut (and say so). With
    ``is_choice`` (which arguments have fixed choices), numeric fan-outs are also ranked
    (:mod:`compilot.planner.compare`); a mapped call's result that its ranking holds whole is
    not shown twice (every prompt token costs time on a CPU-served model)."""
    ranked = [] if is_choice is None else rankings(tasks, results, is_choice)
    in_ranking = {r.mapped_task: r for r in ranked if r.mapped_task is not None}
    lines = []
    for task in tasks:
        res, call = results.get(task.id), task.render()
        if res is None:
            shown = "(not run)"
        elif res.ok and (ranking := in_ranking.get(task.id)) is not None:
            shown = f"{len(ranking.items)} numbers, ranked below"
            if isinstance(task.args.get(ranking.by), list):  # the ranking names every item
                call = task.render({ranking.by: f"[{len(ranking.items)} items]"})
        elif res.ok:
            shown = render_value(res.value)
        else:
            shown = f"{res.status.upper()}: {res.error}"
        if len(shown) > max_chars:
            shown = shown[:max_chars] + f"... [{len(shown) - max_chars} more characters cut]"
        lines.append(f"{call} -> {shown}")
    return "\n".join(lines + [r.render() for r in ranked])


def choices_of(registry: ToolRegistry) -> IsChoice:
    """``(tool, argument) -> True`` unless the argument is open text in the tool's schema."""
    def is_choice(tool: str, arg: str) -> bool:
        if tool not in registry:
            return True
        props = registry.get(tool).json_schema().get("properties", {})
        return not is_free_argument(props.get(arg, {}))
    return is_choice


def parse_decision(text: str) -> JoinDecision:
    """Read a text or JSON decision; text without an ``Action:`` is taken as the answer."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
            action: Literal["finish", "replan"] = (
                "replan" if str(data.get("action", "")).lower() == "replan" else "finish")
            return JoinDecision(action, str(data.get("content", "")).strip(),
                                str(data.get("thought", "")))
        except (json.JSONDecodeError, AttributeError):
            pass  # not JSON after all: fall through to the text form
    thought = ""
    if m := re.search(r"Thought:\s*(.*)", stripped):
        thought = m.group(1).strip()
    if m := _ACTION_RE.search(stripped):
        verb: Literal["finish", "replan"] = "replan" if m.group(1).lower() == "replan" \
            else "finish"
        return JoinDecision(verb, m.group(2).strip(), thought)
    answer = re.sub(r"^Thought:.*$", "", stripped, flags=re.M).strip()
    return JoinDecision("finish", answer or stripped, thought)


class Joiner:
    """Decides from the results; with ``registry`` it also shows rankings of fan-outs.

    ``system``: the planner's system prompt, sent first so that servers which keep the
    longest common prompt prefix evaluated (llama.cpp, vLLM) reuse it: planner and joiner
    calls alternate, and with a system prompt each, every call paid for its whole prompt
    again (about 5 s a question on 2 cores). The joiner's instructions then lead the user
    message. Without ``system`` they are the system prompt."""

    def __init__(self, model: ChatModel, *, constrained: Constrained = "none",
                 max_tokens: int = 256, max_result_chars: int = 1500,
                 registry: ToolRegistry | None = None, system: str | None = None,
                 on_model_call: ModelCallSink | None = None) -> None:
        self.model, self.constrained, self.max_tokens = model, constrained, max_tokens
        self.system = system
        self.max_result_chars, self.on_model_call = max_result_chars, on_model_call
        self.is_choice = choices_of(registry) if registry is not None else None

    async def decide(self, request: str, tasks: Sequence[Task],
                     results: Mapping[int, TaskResult], *, may_replan: bool,
                     note: str | None = None) -> JoinDecision:
        shown = format_results(tasks, results, self.max_result_chars, self.is_choice)
        instructions = joiner_instructions(self.constrained)
        if self.system is None:  # the joiner's own prompt: its instructions are the system
            messages = [Message(role="system", content=instructions),
                        Message(role="user", content=joiner_user(request, shown, may_replan,
                                                                 note))]
        else:  # the run's shared prefix first, so the server reuses what it evaluated
            messages = [Message(role="system", content=self.system),
                        Message(role="user", content=joiner_user(
                            request, shown, may_replan, note, instructions))]
        completion = await self.model.acomplete(messages, self._options(may_replan))
        record(self.on_model_call, "join", completion)
        return parse_decision(completion.text)

    def _options(self, may_replan: bool) -> GenerationOptions:
        base: dict[str, Any] = {"max_tokens": self.max_tokens, "temperature": 0.0}
        if self.constrained == "json":
            base["json_schema"] = join_schema(may_replan)
        elif self.constrained == "grammar":
            base["grammar"] = _JOIN_GRAMMAR if may_replan else _JOIN_GRAMMAR_FINAL
        return GenerationOptions(**base)
