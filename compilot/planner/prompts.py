"""Prompt text for the planner, the repair request and the joiner. Kept short: the bundled
models are small, and every token costs time on a 2-core machine."""

from __future__ import annotations

from typing import Literal

Constrained = Literal["none", "json", "grammar"]

TEXT_FORMAT = """Write a plan of tool calls, one per line, then `join()`:
Thought: <optional short reasoning>
1. tool_name(arg="value", other=2)
2. tool_name(arg=$1)
3. join()
Rules:
- Use only the tools listed below, with their argument names.
- `$N` is the result of task N (`$N.field` for one field); use it only after task N.
- Calls that do not need each other's results run in parallel: do not chain them.
- End with `N. join()` and write nothing after it."""

JSON_FORMAT = """Answer with a JSON plan:
{"thought": "<short reasoning>", "tasks": [{"id": 1, "tool": "tool_name", "args": {...}}, ...]}
Rules:
- Use only the tools listed below, with their argument names.
- An argument "$N" is the result of task N ("$N.field" for one field); use it only after N.
- Calls that do not need each other's results run in parallel: do not chain them."""

DEFAULT_EXAMPLES = """Example (tools `lookup(name: str)` and `calc(expression: str)`):
Question: What is the total height of Ann and Bob?
1. lookup(name="Ann height")
2. lookup(name="Bob height")
3. calc(expression="$1 + $2")
4. join()"""

JOINER_TEXT = """Given the question and the results of the tool calls, either answer or ask
for a new plan. Reply in exactly this form:
Thought: <restate the result values that matter and reason with them>
Action: Finish(<the final answer, short>)
or, only if the results are not enough:
Action: Replan(<what is missing>)
Example:
Question: Who is taller, Ann or Bob?
1. lookup(name="Ann height") -> 170
2. lookup(name="Bob height") -> 180
Thought: Ann is 170 and Bob is 180. 180 is more than 170, so Bob is taller.
Action: Finish(Bob)"""

JOINER_JSON = """Given the question and the results of the tool calls, either answer or ask
for a new plan. Reply with JSON:
{"thought": "<restate the result values that matter and reason with them>",
 "action": "finish" or "replan", "content": "<the final answer, short; or what is missing>"}
Example:
Question: Who is taller, Ann or Bob?
1. lookup(name="Ann height") -> 170
2. lookup(name="Bob height") -> 180
{"thought": "Ann is 170 and Bob is 180. 180 is more than 170, so Bob is taller.",
 "action": "finish", "content": "Bob"}"""


def planner_system(tools: str, constrained: Constrained, examples: str | None) -> str:
    fmt = JSON_FORMAT if constrained == "json" else TEXT_FORMAT
    parts = ["You are a planner. Break the question into tool calls.", fmt,
             "Tools:\n" + tools]
    if examples:
        parts.append(examples)
    return "\n\n".join(parts)


def planner_user(request: str, context: str | None, next_id: int) -> str:
    if not context:
        return f"Question: {request}"
    return (f"Question: {request}\n\nEarlier tasks and their results (refer to them as $N):\n"
            f"{context}\n\nWrite a new plan for what is still missing. Number new tasks from "
            f"{next_id} (ids 1-{next_id - 1} are taken): the first new line is "
            f"`{next_id}. tool_name(...)`.")


def repair_request(problems: list[str]) -> str:
    listed = "\n".join(f"- {p}" for p in problems)
    return (f"Your plan has these problems:\n{listed}\n"
            "Write the whole corrected plan in the same format. Keep the correct lines.")


def joiner_user(request: str, results: str, may_replan: bool, reason: str | None) -> str:
    text = f"Question: {request}\n\nTool calls and results:\n{results or '(none)'}"
    if reason:
        text += f"\n\nNote: {reason}"
    if not may_replan:
        text += "\n\nNo more replanning is possible: give the final answer now (Finish)."
    return text
