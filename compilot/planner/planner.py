"""The compiler-style planner: asks the model for a plan and yields its tasks while it streams.

Each task is validated the moment its line is complete and, if sound, admitted to the
:class:`Ledger` and yielded to the executor. After the first bad task nothing more of that
attempt is dispatched; the whole plan is validated and the model gets ONE targeted repair
request naming every problem. If the repaired plan is still bad, :class:`PlanError`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass, field
from typing import Any

from compilot.errors import PlanError
from compilot.llm.types import ChatModel, Completion, GenerationOptions, Message
from compilot.planner.calls import ModelCallSink, record, stream_text
from compilot.planner.constrained import parse_json_plan, plan_grammar, plan_json_schema
from compilot.planner.ledger import Ledger
from compilot.planner.parser import PlanParser
from compilot.planner.plan import Plan, Task, rename_refs
from compilot.planner.prompts import (
    DEFAULT_EXAMPLES,
    Constrained,
    planner_system,
    planner_user,
    repair_request,
)
from compilot.planner.validate import check_task, validate_plan
from compilot.tools.registry import ToolRegistry


@dataclass
class _Attempt:
    prior_ids: frozenset[int]
    plan: Plan = field(default_factory=Plan)
    problems: list[str] = field(default_factory=list)


class _Renumberer:
    """Small models often restart numbering at 1 in a replan, colliding with the ids of
    earlier rounds. A task whose id an earlier round used gets the next free id, and later
    references to that id in the same plan follow it (the model meant its own task). A
    duplicate id within one plan is left alone for the validator to report."""

    def __init__(self, prior: frozenset[int]) -> None:
        self.taken = set(prior)
        self.seen: set[int] = set()
        """Ids as the model wrote them in this plan."""
        self.mapping: dict[int, int] = {}
        self.tasks: tuple[Task, ...] = ()

    def __call__(self, task: Task) -> Task:
        args = rename_refs(task.args, self.mapping)
        new_id = task.id
        if task.id not in self.seen and task.id in self.taken:
            new_id = max(self.taken) + 1
            self.mapping[task.id] = new_id
        self.seen.add(task.id)
        self.taken.add(new_id)
        renamed = Task.make(new_id, task.tool, args, task.thought)
        self.tasks += (renamed,)
        return renamed


class Planner:
    """Turns a request into a stream of runnable tasks (see the module docstring)."""

    def __init__(self, model: ChatModel, registry: ToolRegistry, *,
                 constrained: Constrained = "none", examples: str | None = DEFAULT_EXAMPLES,
                 max_tokens: int = 768, temperature: float = 0.0,
                 on_model_call: ModelCallSink | None = None) -> None:
        self.model, self.registry, self.constrained = model, registry, constrained
        self.examples, self.max_tokens, self.temperature = examples, max_tokens, temperature
        self.on_model_call = on_model_call
        self.plans: list[Plan] = []
        """Every plan attempt the model wrote, in order (for traces)."""

    def system_prompt(self) -> str:
        """The planner's system prompt (a run's joiner reuses it, see
        :class:`~compilot.planner.joiner.Joiner`)."""
        return planner_system(self.registry.describe(), self.constrained, self.examples)

    def options(self) -> GenerationOptions:
        base: dict[str, Any] = {"max_tokens": self.max_tokens, "temperature": self.temperature}
        if self.constrained == "json":
            return GenerationOptions(json_schema=plan_json_schema(self.registry), **base)
        if self.constrained == "grammar":
            return GenerationOptions(grammar=plan_grammar(self.registry), **base)
        return GenerationOptions(stop=("\nObservation:",), **base)

    async def tasks(self, request: str, ledger: Ledger, *, context: str | None = None,
                    prior_ids: Collection[int] | None = None) -> AsyncIterator[Task]:
        """Yield each new task (global ids) as soon as it is known to be sound.
        ``prior_ids``: ids of earlier rounds the plan may reference (default: the ledger's)."""
        prior = frozenset(ledger.tasks if prior_ids is None else prior_ids)
        messages = [
            Message(role="system", content=self.system_prompt()),
            Message(role="user", content=planner_user(request, context, max(prior, default=0) + 1)),
        ]
        first = _Attempt(prior)
        async for task in self._attempt(messages, ledger, first, "plan"):
            yield task
        if not first.problems:
            return
        messages += [Message(role="assistant", content=first.plan.text),
                     Message(role="user", content=repair_request(first.problems))]
        second = _Attempt(prior)
        async for task in self._attempt(messages, ledger, second, "repair"):
            yield task
        if second.problems:
            raise PlanError("the model's plan is still invalid after one repair request: "
                            + "; ".join(second.problems), problems=tuple(second.problems))

    async def _attempt(self, messages: list[Message], ledger: Ledger, attempt: _Attempt,
                       purpose: str) -> AsyncIterator[Task]:
        id_map: dict[int, int] = {}
        defined: set[int] = set(attempt.prior_ids)
        renumber = _Renumberer(attempt.prior_ids)
        healthy, repeated = True, []
        async for parsed in self._parsed_tasks(messages, attempt, purpose):
            task = renumber(parsed)
            problems = check_task(task, self.registry, defined)
            if (error := ledger.failed_before(task, id_map)) is not None:
                call = task.render().split(". ", 1)[1]
                problems.append(f"task {task.id}: {call} failed before ({error}); change its "
                                "arguments or call something else")
                repeated += problems[-1:]
            defined.add(task.id)
            healthy = healthy and not problems
            if healthy:
                admitted, new = ledger.admit(task, id_map)
                if new:
                    yield admitted
        plan = attempt.plan.model_copy(update={"tasks": renumber.tasks})
        attempt.problems = repeated + validate_plan(plan, self.registry, attempt.prior_ids)

    async def _parsed_tasks(self, messages: list[Message], attempt: _Attempt,
                            purpose: str) -> AsyncIterator[Task]:
        options = self.options()
        if self.constrained == "json":
            completion = await self.model.acomplete(messages, options)
            record(self.on_model_call, purpose, completion)
            attempt.plan = parse_json_plan(completion.text)
            self.plans.append(attempt.plan)
            for task in attempt.plan.tasks:
                yield task
            return
        parser = PlanParser(params_of=self._params_of)
        async for piece in stream_text(self.model, messages, options):
            if isinstance(piece, Completion):
                record(self.on_model_call, purpose, piece)
                continue
            for item in parser.feed(piece):
                if isinstance(item, Task):
                    yield item
        for item in parser.close():
            if isinstance(item, Task):
                yield item
        attempt.plan = parser.plan()
        self.plans.append(attempt.plan)

    def _params_of(self, name: str) -> tuple[str, ...] | None:
        return self.registry.get(name).params if name in self.registry else None

