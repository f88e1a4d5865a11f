"""The SDK entry point: ``compilot.run(request, tools=..., model=...)``.

Builds the planner, joiner, executor and LangGraph loop for one request, runs it on a thread
(``thread_id``; with ``db_path`` the thread is checkpointed in SQLite and can be resumed after
a kill or an approval interrupt) and returns the answer with a :class:`Trace`. ``astream``
yields the same trace as events while the run goes.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from langgraph.types import Command

from compilot.errors import ConfigError
from compilot.executor.config import ExecutorConfig
from compilot.executor.graph import Runtime, approval_resume, build_graph
from compilot.executor.results import TaskFinished, TaskStarted
from compilot.executor.store import TaskStore, store_path
from compilot.llm.types import ChatModel
from compilot.planner.calls import ModelCall
from compilot.planner.joiner import Joiner
from compilot.planner.planner import Planner
from compilot.planner.prompts import DEFAULT_EXAMPLES, Constrained
from compilot.tools.registry import ToolRegistry, as_registry
from compilot.tools.tool import Tool

Event = TaskStarted | TaskFinished | ModelCall
ConstrainedOrAuto = Constrained | Literal["auto"]
Approver = Callable[[list[dict[str, Any]]], dict[str, bool] | list[int]]


@dataclass(frozen=True)
class TaskTrace:
    id: int
    tool: str
    status: str
    started: float | None
    ended: float | None
    duration_s: float
    result_size: int
    attempts: int
    error: str | None = None


@dataclass(frozen=True)
class Trace:
    """Per task: start, end, duration, result size; per model call: tokens, latency."""

    tasks: tuple[TaskTrace, ...] = ()
    model_calls: tuple[ModelCall, ...] = ()
    wall_s: float = 0.0

    @property
    def total_tokens(self) -> int:
        return sum(c.prompt_tokens + c.completion_tokens for c in self.model_calls)


@dataclass(frozen=True)
class RunResult:
    answer: str | None
    trace: Trace
    thread_id: str
    status: Literal["done", "interrupted"] = "done"
    pending_approvals: tuple[dict[str, Any], ...] = ()
    """Tasks waiting for approval (``status == "interrupted"``): resume with ``approvals``."""
    note: str | None = None


@dataclass
class TraceCollector:
    """Turns a run's events into the :class:`Trace` parts (and forwards them to ``sink``)."""

    sink: Callable[[Event], None] | None = None
    tasks: list[TaskTrace] = field(default_factory=list)
    calls: list[ModelCall] = field(default_factory=list)

    def __call__(self, event: Event) -> None:
        if isinstance(event, ModelCall):
            self.calls.append(event)
        elif isinstance(event, TaskFinished):
            r = event.result
            self.tasks.append(TaskTrace(event.task.id, event.task.tool, r.status, r.started,
                                        r.ended, r.duration_s, r.size, r.attempts, r.error))
        if self.sink is not None:
            self.sink(event)


def resolve_constrained(model: ChatModel, constrained: ConstrainedOrAuto = "auto",
                        home: Path | None = None) -> tuple[Constrained, ChatModel]:
    """The output form to use, and the model to use it with.

    ``auto`` asks the endpoint's cached capability probe (probing once if needed): a GBNF
    grammar where it is enforced (the plan stays streamed text, so tasks dispatch while the
    model writes), else a JSON schema, else free text. The probed model
    carries its capabilities (so the schema goes on the wire in the form that worked).
    Models without an endpoint (test doubles) get ``none``: pass a form to test another."""
    if constrained != "auto":
        if constrained not in ("none", "json", "grammar"):
            raise ConfigError(f"constrained must be auto, none, json or grammar, not "
                              f"{constrained!r}")
        return constrained, model
    from compilot.llm.client import LiteLLMModel

    if not isinstance(model, LiteLLMModel) or not model.endpoint.api_base:
        return "none", model
    caps = model.capabilities
    if caps is None:
        from compilot.config import load_settings
        from compilot.llm.probe import probe

        caps = probe(model, model.endpoint, home or load_settings().home)
        model = model.with_options(capabilities=caps)
    form: Constrained = "grammar" if caps.grammar else "json" if caps.json_schema else "none"
    return form, model


@asynccontextmanager
async def _checkpointer(db_path: str | Path | None) -> AsyncIterator[Any]:
    if db_path is None:
        from langgraph.checkpoint.memory import InMemorySaver
        yield InMemorySaver()
        return
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
    async with AsyncSqliteSaver.from_conn_string(str(db_path)) as saver:
        yield saver


async def arun(request: str, *, tools: ToolRegistry | Iterable[Tool | Callable[..., Any]],
               model: ChatModel, thread_id: str | None = None,
               db_path: str | Path | None = None, constrained: ConstrainedOrAuto = "auto",
               examples: str | None = DEFAULT_EXAMPLES, max_replans: int = 2,
               executor: ExecutorConfig | None = None,
               approvals: dict[str, bool] | list[int] | None = None,
               approve: Approver | None = None,
               on_event: Callable[[Event], None] | None = None) -> RunResult:
    """Answer ``request`` with a plan of tool calls. Re-running with the same ``thread_id``
    and ``db_path`` resumes the thread (after a kill, or with ``approvals`` after an
    interrupt); ``approve`` answers approval interrupts in-process instead. ``constrained``:
    see :func:`resolve_constrained`."""
    registry, thread_id = as_registry(tools), thread_id or uuid.uuid4().hex
    constrained, model = resolve_constrained(model, constrained)
    collect, begin = TraceCollector(on_event), time.perf_counter()
    store = TaskStore(store_path(db_path))
    try:
        async with _checkpointer(db_path) as saver:
            planner = Planner(model, registry, constrained=constrained, examples=examples,
                              on_model_call=collect)
            joiner = Joiner(model, constrained=constrained, registry=registry,
                            system=planner.system_prompt(), on_model_call=collect)
            rt = Runtime(registry=registry, store=store, planner=planner, joiner=joiner,
                         executor_config=executor or ExecutorConfig(),
                         max_replans=max_replans, on_event=collect)
            graph = build_graph(rt, saver)
            cfg: Any = {"configurable": {"thread_id": thread_id},
                        "recursion_limit": 4 * max_replans + 10}
            snapshot = await _drive(graph, cfg, request, approvals, approve)
    finally:
        store.close()
    trace = Trace(tuple(collect.tasks), tuple(collect.calls), time.perf_counter() - begin)
    values = snapshot.values
    if snapshot.interrupts:
        pending = tuple(snapshot.interrupts[0].value.get("approvals", ()))
        return RunResult(None, trace, thread_id, "interrupted", pending)
    return RunResult(values.get("answer"), trace, thread_id, note=values.get("note"))


async def _drive(graph: Any, cfg: Any, request: str, approvals: Any,
                 approve: Approver | None) -> Any:
    snapshot = await graph.aget_state(cfg)
    if snapshot.values.get("done"):
        return snapshot  # a finished thread: its answer, nothing re-run
    if snapshot.interrupts:
        inp: Any = Command(resume=approval_resume(approvals or {}))
    elif snapshot.next:
        inp = None  # killed mid-way: continue from the last checkpoint
    else:
        inp = {"request": request, "round": 0, "note": None, "answer": None, "done": False}
    while True:
        await graph.ainvoke(inp, cfg)
        snapshot = await graph.aget_state(cfg)
        if not snapshot.interrupts or approve is None:
            return snapshot
        pending = list(snapshot.interrupts[0].value["approvals"])
        inp = Command(resume=approval_resume(approve(pending)))


def run(request: str, **kwargs: Any) -> RunResult:
    """Synchronous :func:`arun` (same arguments)."""
    return asyncio.run(arun(request, **kwargs))


async def astream(request: str, **kwargs: Any) -> AsyncIterator[Event | RunResult]:
    """The run's events as they happen (task started/finished, model calls), then the
    :class:`RunResult` last. Breaking out of the loop cancels the run."""
    queue: asyncio.Queue[Event | RunResult | BaseException] = asyncio.Queue()
    user_sink = kwargs.pop("on_event", None)

    def sink(event: Event) -> None:
        queue.put_nowait(event)
        if user_sink is not None:
            user_sink(event)

    async def main() -> None:
        try:
            queue.put_nowait(await arun(request, on_event=sink, **kwargs))
        except Exception as exc:  # re-raised in the consumer, in order after the events
            queue.put_nowait(exc)

    job = asyncio.create_task(main())
    try:
        while True:
            item = await queue.get()
            if isinstance(item, BaseException):
                raise item
            yield item
            if isinstance(item, RunResult):
                return
    finally:
        job.cancel()
        await asyncio.gather(job, return_exceptions=True)
