"""The outer loop as a LangGraph ``StateGraph``: plan+execute -> join -> (replan | end).

Checkpoints (any LangGraph checkpointer, SQLite in the SDK) cover node boundaries; the
:class:`TaskStore` covers what happens inside ``plan_execute``: every admitted task and every
result is written the moment it exists, so a resumed thread re-reads the round's plan instead
of asking the model again and never re-runs a finished task. Tasks of tools that require
approval are held: once everything runnable has finished, ONE interrupt lists all of them;
the resume value says which are approved (``{"3": true}`` or a list of approved ids).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TypedDict

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from compilot.errors import PlanError
from compilot.executor.config import ExecutorConfig
from compilot.executor.executor import EventSink, Executor
from compilot.executor.results import ExecutionOutcome, TaskResult
from compilot.executor.store import TaskStore
from compilot.planner.joiner import Joiner, choices_of, format_results
from compilot.planner.ledger import Ledger
from compilot.planner.plan import Task
from compilot.planner.planner import Planner
from compilot.tools.registry import ToolRegistry


class RunState(TypedDict, total=False):
    request: str
    round: int
    note: str | None
    answer: str | None
    done: bool


@dataclass
class Runtime:
    """What the graph's nodes need; not part of the (checkpointed) state."""

    registry: ToolRegistry
    planner: Planner
    joiner: Joiner
    store: TaskStore
    executor_config: ExecutorConfig
    max_replans: int = 2
    on_event: EventSink | None = None


def _thread(config: RunnableConfig) -> str:
    return str(config["configurable"]["thread_id"])


def approval_resume(value: Any) -> dict[str, list[int]]:
    """The interrupt's resume value: ``{"approved": [ids]}`` from ``{"3": true}`` or ``[3]``.
    Always a one-key dict: LangGraph reads an empty dict as a map of interrupt ids."""
    return {"approved": sorted(i for i, ok in _decisions(value).items() if ok)}


def _decisions(value: Any) -> dict[int, bool]:
    if isinstance(value, dict) and set(value) == {"approved"}:
        return {int(v): True for v in value["approved"]}
    if isinstance(value, dict):
        return {int(k): bool(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return {int(v): True for v in value}
    return {}


def _failure(result: TaskResult | None) -> str | None:
    """The error of a call that ran and failed (a skipped or cancelled one never ran)."""
    return result.error if result is not None and result.status == "failed" else None


class _Nodes:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def plan_execute(self, state: RunState, config: RunnableConfig) -> RunState:
        rt, thread, round_ = self.rt, _thread(config), state.get("round", 0)
        results = rt.store.results(thread)
        earlier = [t.id for r in range(round_) for t in rt.store.tasks(thread, r)]
        ledger = Ledger.of(rt.store.tasks(thread),
                           reusable=lambda i: i not in results or results[i].ok,
                           failure=lambda i: _failure(results.get(i)))
        if rt.store.round_planned(thread, round_):
            source: Any = rt.store.tasks(thread, round_)
        else:
            context = None
            if round_ > 0:
                context = format_results(rt.store.tasks(thread), results,
                                         is_choice=choices_of(rt.registry))
                context += f"\nReason for a new plan: {state.get('note')}"
            source = self._planned(state["request"], ledger, context, earlier, thread, round_)
        try:
            outcome = await self._execute(source, results, thread)
        except PlanError as exc:
            if round_ == 0:
                raise  # no result to answer from: the user sees why the plan was refused
            # a bad replan loses nothing: the joiner answers from what the earlier rounds found
            self.rt.store.finish_round(thread, round_)
            return {"note": f"the new plan was refused ({exc.message}); answer from the "
                            "results above"}
        outcome = await self._approvals(outcome, thread)
        return {"note": outcome.stopped_early}

    async def _planned(self, request: str, ledger: Ledger, context: str | None,
                       earlier: list[int], thread: str, round_: int) -> AsyncIterator[Task]:
        async for task in self.rt.planner.tasks(request, ledger, context=context,
                                                prior_ids=earlier):
            self.rt.store.add_task(thread, round_, task)
            yield task
        self.rt.store.finish_round(thread, round_)

    async def _execute(self, source: Any, prior: dict[int, TaskResult], thread: str,
                       approved: Callable[[Task], bool] = lambda _t: False,
                       ) -> ExecutionOutcome:
        def hold(task: Task) -> bool:
            t = self.rt.registry.get(task.tool) if task.tool in self.rt.registry else None
            return bool(t is not None and t.requires_approval and not approved(task))

        executor = Executor(self.rt.registry, self.rt.executor_config, self.rt.on_event)
        return await executor.execute(
            source, prior=prior, hold=hold,
            on_result=lambda task, res: self.rt.store.add_result(thread, task.id, res))

    async def _approvals(self, outcome: ExecutionOutcome, thread: str) -> ExecutionOutcome:
        decided: dict[int, bool] = {}
        while outcome.held:
            pending = [{"id": t.id, "tool": t.tool, "args": t.args} for t in outcome.held]
            decided.update(_decisions(interrupt({"approvals": pending})))
            results = dict(outcome.results)
            for task in outcome.held:
                if decided.get(task.id) is False or task.id not in decided:
                    res = TaskResult("failed", error="not approved by the user")
                    results[task.id] = res
                    self.rt.store.add_result(thread, task.id, res)
            rest = [*outcome.held, *outcome.blocked]
            outcome = await self._execute(rest, results, thread,
                                          approved=lambda t: decided.get(t.id, False))
        return outcome

    async def join(self, state: RunState, config: RunnableConfig) -> RunState:
        rt, thread, round_ = self.rt, _thread(config), state.get("round", 0)
        may_replan = round_ < rt.max_replans
        decision = await rt.joiner.decide(state["request"], rt.store.tasks(thread),
                                          rt.store.results(thread), may_replan=may_replan,
                                          note=state.get("note"))
        if decision.action == "finish":
            return {"answer": decision.content, "done": True}
        if may_replan:
            return {"round": round_ + 1, "note": decision.content, "done": False}
        return {"answer": None, "done": True,
                "note": f"the joiner asked for a replan after the last allowed one: "
                        f"{decision.content}"}


def build_graph(rt: Runtime, checkpointer: Any = None) -> Any:
    """The compiled graph; invoke with ``{"request": ..., "round": 0}`` and a ``thread_id``."""
    nodes = _Nodes(rt)
    graph = StateGraph(RunState)
    graph.add_node("plan_execute", nodes.plan_execute)
    graph.add_node("join", nodes.join)
    graph.add_edge(START, "plan_execute")
    graph.add_edge("plan_execute", "join")
    graph.add_conditional_edges("join", lambda s: END if s.get("done") else "plan_execute",
                                ["plan_execute", END])
    return graph.compile(checkpointer=checkpointer)
