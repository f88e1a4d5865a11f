"""Plan validation: every problem the model can fix, named precisely.

Checked per task as it streams (so a bad task is never dispatched): duplicate id, unknown
tool, arguments against the tool's schema (a reference stands for a value of any type and is
checked again when it is resolved), references to missing, later or own ids. Checked on the
whole plan: cycles, missing ``join()``, lines that did not parse.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from pydantic import ValidationError

from compilot.executor.fanout import list_arguments
from compilot.planner.plan import Plan, Task, iter_refs, whole_ref
from compilot.tools.registry import ToolRegistry, UnknownToolError
from compilot.tools.tool import Tool


def check_args(task: Task, registry: ToolRegistry) -> list[str]:
    """Schema problems of ``task``'s arguments (the tool must exist). A literal list where
    the tool takes one value maps the call over it (:mod:`compilot.executor.fanout`): each
    item is checked as that value."""
    t = registry.get(task.tool)
    ref_fields = {k for k, v in task.args.items() if whole_ref(v) is not None}
    concrete = {k: v for k, v in task.args.items() if k not in ref_fields}
    mapped = list_arguments(t, concrete)
    if len(mapped) > 1:
        return [f"{', '.join(mapped)} are all lists, but {t.name} takes one value each: "
                "map over one list per call"]
    if mapped and not concrete[mapped[0]]:
        return [f"argument {mapped[0]!r} is an empty list"]
    calls = [{**concrete, mapped[0]: item} for item in concrete[mapped[0]]] if mapped \
        else [concrete]
    problems: list[str] = []
    for call in calls:
        problems += [p for p in _schema_problems(t, call, ref_fields) if p not in problems]
    return problems


def _schema_problems(t: Tool, concrete: dict[str, object], ref_fields: set[str]) -> list[str]:
    try:
        t.args_model.model_validate(concrete)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "(arguments)"
            if err["type"] == "missing" and err["loc"] and err["loc"][0] in ref_fields:
                continue
            if err["type"] == "extra_forbidden":
                problems.append(f"{t.name}() has no argument {field!r}; its arguments are: "
                                f"{', '.join(t.params) or 'none'}")
            elif err["type"] == "missing":
                problems.append(f"missing required argument {field!r} of {t.signature_text()}")
            else:
                problems.append(f"argument {field!r}={err.get('input')!r}: {err['msg']}")
        return problems
    return []


def check_task(task: Task, registry: ToolRegistry, defined: Collection[int]) -> list[str]:
    """Problems of one task, given the ids defined before it (this plan's and earlier ones)."""
    problems: list[str] = []
    if task.id in defined:
        problems.append(f"duplicate task id {task.id}; use a new number")
    try:
        problems.extend(check_args(task, registry))
    except UnknownToolError as exc:
        problems.append(str(exc))
    for ref in iter_refs(task.args):
        if ref.id == task.id:
            problems.append(f"${ref.id} refers to the task itself")
        elif ref.id not in defined:
            problems.append(f"${ref.id} refers to a task that is not defined before task "
                            f"{task.id} (references may only point to earlier tasks)")
    return [f"task {task.id}: {p}" for p in dict.fromkeys(problems)]


def find_cycle(tasks: Iterable[Task]) -> list[int] | None:
    """One dependency cycle among ``tasks`` (ids in order), or ``None``."""
    deps = {t.id: [d for d in t.deps] for t in tasks}
    state: dict[int, int] = {}  # 1 = on the stack, 2 = done
    stack: list[int] = []

    def visit(node: int) -> list[int] | None:
        state[node] = 1
        stack.append(node)
        for dep in deps.get(node, ()):
            if state.get(dep) == 1:
                return stack[stack.index(dep):] + [dep]
            if dep in deps and dep not in state and (cycle := visit(dep)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in deps:
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def validate_plan(plan: Plan, registry: ToolRegistry,
                  prior_ids: Collection[int] = ()) -> list[str]:
    """Every problem of ``plan``; empty when it may run. ``prior_ids`` are ids of earlier
    rounds' tasks, which the plan may reference but not reuse."""
    problems: list[str] = [f"could not parse {issue}" for issue in plan.issues]
    defined = set(prior_ids)
    for task in plan.tasks:
        problems.extend(check_task(task, registry, defined))
        defined.add(task.id)
    if cycle := find_cycle(plan.tasks):
        problems.append("dependency cycle: " + " -> ".join(f"${i}" for i in cycle))
    if not plan.has_join:
        problems.append("the plan must end with a final `join()` line")
    return problems
