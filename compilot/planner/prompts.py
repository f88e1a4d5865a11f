"""Prompt text for the planner, the repair request and the joiner. Kept short: the bundled
models are small, and every token costs time on a 2-core machine."""

from __future__ import annotations

from typing import Literal

Constrained = Literal["none", "json", "grammar"]

TEXT_FORMAT = """Write a plan of tool calls, one per line, then `join()`:
1. tool_name(arg="value", other=2)
2. tool_name(arg=$1)
3. join()
Rules:
- Use only the tools listed below, with their argument names.
- Argument values come from the question or from results (`$N`); never invent a name, never
  use a placeholder such as "*" or "all": look up what you need first.
- `$N` is the result of task N (`$N.field` for one field); use it only after task N. A call
  can compute with earlier results: `calc(expression="$1 / $2")`.
- Calls that do not need each other's results run in parallel: do not chain them.
- A list where one value is expected runs the call once per item, in parallel:
  `lookup(person=["Ann", "Bob"], fact="age")` gives each one's age, and so does
  `lookup(person=$1, fact="age")` with `$1` a list of names. Prefer one such line to a line
  per item.
- Only if you must read a result to know which calls to make, end the plan with join()
  after the calls you can make now: you plan again with their results.
- End with `N. join()` and write nothing after it."""

JSON_FORMAT = """Answer with a JSON plan:
{"thought": "<short reasoning>", "tasks": [{"id": 1, "tool": "tool_name", "args": {...}}, ...]}
Rules:
- Use only the tools listed below, with their argument names.
- Argument values come from the question or from results ("$N"); never invent a name, never
  use a placeholder such as "*" or "all": look up what you need first.
- An argument "$N" is the result of task N ("$N.field" for one field); use it only after N.
- Calls that do not need each other's results run in parallel: do not chain them.
- A list where one value is expected runs the call once per item, in parallel:
  {"person": ["Ann", "Bob"], "fact": "age"} gives each one's age, and so does
  {"person": "$1", "fact": "age"} with $1 a list of names.
- Only if you must read a result to know which calls to make, stop after the calls you can
  make now: you plan again with their results."""

DEFAULT_EXAMPLES = """Examples (tools `lookup(person: str, fact: str)` and `calc(expression: str)`):
Question: Who is the tallest: Ann, Bob or Cy?
1. lookup(person=["Ann", "Bob", "Cy"], fact="height")
2. join()
Question: What is Ann's height divided by her age?
1. lookup(person="Ann", fact="height")
2. lookup(person="Ann", fact="age")
3. calc(expression="$1 / $2")
4. join()
Question: How old is the tallest child of Ann?
Thought: Ann's children first, then each one's height; the tallest one's age comes after.
1. lookup(person="Ann", fact="children")
2. lookup(person=$1, fact="height")
3. join()"""

_RANKED_EXAMPLE = """Question: Who is the tallest: Ann, Bob or Cy?
1. lookup(person=[3 items], fact="height") -> 3 numbers, ranked below
lookup(fact="height") ranked by person, largest first: Bob 185 > Cy 180 > Ann 170. Largest: Bob. Smallest: Ann. Total: 535."""
_SMALLEST_EXAMPLE = """Question: Who is shorter: Ann or Cy?
1. lookup(person=[2 items], fact="height") -> 2 numbers, ranked below
lookup(fact="height") ranked by person, largest first: Cy 180 > Ann 170. Largest: Cy. Smallest: Ann. Total: 350."""
_CHILDREN_EXAMPLE = """Question: How old is the tallest child of Ann?
1. lookup(person="Ann", fact="children") -> ["Bob", "Cy"]
2. lookup(person=$1, fact="height") -> 2 numbers, ranked below
lookup(fact="height") ranked by person, largest first: Bob 185 > Cy 180. Largest: Bob. Smallest: Cy. Total: 365."""
# (results shown, thought, action, content): the joiner's examples, rendered in either form.
# The thoughts say which end of a ranking the question asks for, then read it off.
_JOIN_EXAMPLES = (
    (_RANKED_EXAMPLE, "Tallest asks for the Largest: Bob.", "finish", "Bob"),
    (_SMALLEST_EXAMPLE, "Shorter asks for the Smallest: Ann.", "finish", "Ann"),
    (_CHILDREN_EXAMPLE, "Bob is the tallest child; no result holds his age.", "replan",
     "the age of Bob"),
)

JOINER_TEXT = """Given the question and the results of the tool calls, either answer or ask
for a new plan. Reply in exactly this form:
Thought: <the result values that decide the answer>
Action: Finish(<the final answer, short>)
or, if the results do not hold a fact or a calculation the answer needs (never answer from
memory, never calculate in your head):
Action: Replan(<what is missing>)""" + "".join(
    f"\nExample:\n{shown}\nThought: {thought}\nAction: {action.title()}({content})"
    for shown, thought, action, content in _JOIN_EXAMPLES)

JOINER_JSON = """Given the question and the results of the tool calls, either answer or ask
for a new plan. Reply with JSON:
{"thought": "<the result values that decide the answer>",
 "action": "finish" or "replan", "content": "<the final answer, short; or what is missing>"}
Replan if the results do not hold a fact or a calculation the answer needs (never answer from
memory, never calculate in your head).""" + "".join(
    f'\nExample:\n{shown}\n{{"thought": "{thought}",\n "action": "{action}", '
    f'"content": "{content}"}}' for shown, thought, action, content in _JOIN_EXAMPLES)


def planner_system(tools: str, constrained: Constrained, examples: str | None) -> str:
    """The planner's system prompt (a run's joiner sends it too, as a cached prefix)."""
    fmt = JSON_FORMAT if constrained == "json" else TEXT_FORMAT
    parts = ["You are a planner. Break the question into tool calls.", fmt,
             "Tools:\n" + tools]
    if examples:
        parts.append(examples)
    return "\n\n".join(parts)


def joiner_instructions(constrained: Constrained) -> str:
    return JOINER_JSON if constrained == "json" else JOINER_TEXT


def planner_user(request: str, context: str | None, next_id: int) -> str:
    if not context:
        return f"Question: {request}"
    return (f"Question: {request}\n\nEarlier tasks and their results (refer to them as $N):\n"
            f"{context}\n\nWrite a new plan for what is still missing (a failed call fails "
            "again if repeated unchanged). Number new tasks from "
            f"{next_id} (ids 1-{next_id - 1} are taken): the first new line is "
            f"`{next_id}. tool_name(...)`.")


def repair_request(problems: list[str]) -> str:
    listed = "\n".join(f"- {p}" for p in problems)
    return (f"Your plan has these problems:\n{listed}\n"
            "Write the whole corrected plan in the same format. Keep the correct lines.")


def joiner_user(request: str, results: str, may_replan: bool, reason: str | None,
                instructions: str | None = None) -> str:
    """The decision request; ``instructions`` lead it when the joiner shares the planner's
    system prompt (see :class:`~compilot.planner.joiner.Joiner`)."""
    head = f"{instructions}\n\nNow decide.\n" if instructions else ""
    text = f"{head}Question: {request}\n\nTool calls and results:\n{results or '(none)'}"
    if reason:
        text += f"\n\nNote: {reason}"
    if not may_replan:
        text += "\n\nNo more replanning is possible: give the final answer now (Finish)."
    return text
