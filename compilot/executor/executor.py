"""The task fetching unit: runs a plan's tasks in parallel as their inputs become ready.

Event-driven, no polling: every task is an asyncio task started by the completion callback of
its last dependency. Tasks may keep arriving (from the streaming planner) while others run.
Concurrency is structured: when ``execute()`` returns or raises, nothing it started is still
running (a sync tool's thread cannot be killed, but nobody waits on it any more).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from compilot.errors import ComPilotError, ExecutionError
from compilot.executor.config import ExecutorConfig
from compilot.executor.fanout import combine, mapped_argument
from compilot.executor.resolve import ReferenceError_, resolve_args
from compilot.executor.results import (
    ExecutionOutcome,
    TaskFinished,
    TaskResult,
    TaskStarted,
)
from compilot.planner.plan import Task
from compilot.tools.registry import ToolRegistry, UnknownToolError
from compilot.tools.tool import Tool, ToolReturnError

EventSink = Callable[[TaskStarted | TaskFinished], None]
TaskSource = Iterable[Task] | AsyncIterable[Task]
_PERMANENT = (ValidationError, ToolReturnError, ReferenceError_, UnknownToolError)


class Executor:
    """Runs tasks against a :class:`ToolRegistry` under an :class:`ExecutorConfig`."""

    def __init__(self, registry: ToolRegistry, config: ExecutorConfig | None = None,
                 on_event: EventSink | None = None) -> None:
        self.registry = registry
        self.config = config or ExecutorConfig()
        self.on_event = on_event

    async def execute(self, tasks: TaskSource, *, prior: Mapping[int, TaskResult] = {},
                      hold: Callable[[Task], bool] | None = None,
                      on_result: Callable[[Task, TaskResult], None] | None = None,
                      ) -> ExecutionOutcome:
        """Run ``tasks`` (a list or an async stream). ``prior`` results are reused, never
        re-run; tasks for which ``hold`` is true are not started (they wait for approval).
        Raises :class:`ExecutionError` under the ``fail`` policy."""
        run = _Run(self, dict(prior), hold, on_result)
        feeder = asyncio.create_task(run.feed(tasks))
        deadline = self.config.deadline_s
        try:
            async with asyncio.timeout(deadline):
                await run.finished.wait()
        except TimeoutError:
            run.stop(f"run deadline of {deadline}s exceeded")
        finally:
            feeder.cancel()
            await run.cancel_all(feeder)
        if run.failure is not None:
            raise run.failure
        return run.outcome()


class _Run:
    """The bookkeeping of one ``execute()`` call; all methods run on the event loop."""

    def __init__(self, ex: Executor, results: dict[int, TaskResult],
                 hold: Callable[[Task], bool] | None,
                 on_result: Callable[[Task, TaskResult], None] | None) -> None:
        self.ex, self.cfg, self.results = ex, ex.config, results
        self.hold, self.on_result = hold, on_result
        self.tasks: dict[int, Task] = {}
        self.missing: dict[int, set[int]] = {}
        self.dependents: dict[int, list[int]] = {}
        self.running: dict[int, asyncio.Task[TaskResult]] = {}
        self.held: list[Task] = []
        self.closed = False
        self.finished = asyncio.Event()
        self.failure: ComPilotError | None = None
        self.stopped: str | None = None
        self.global_sem = asyncio.Semaphore(self.cfg.max_concurrency)
        self.tool_sems: dict[str, asyncio.Semaphore] = {}

    async def feed(self, tasks: TaskSource) -> None:
        try:
            if isinstance(tasks, AsyncIterable):
                async for task in tasks:
                    self.submit(task)
            else:
                for task in tasks:
                    self.submit(task)
        except ComPilotError as exc:  # e.g. PlanError: the run fails with it, as it is
            self.fail(exc)
        except Exception as exc:  # the plan stream failed: stop the run, keep the cause
            self.fail(ExecutionError(f"the plan stream failed: {exc!r}"), exc)
        self.closed = True
        self.settle_unknown_deps()
        self.check_done()

    def submit(self, task: Task) -> None:
        if task.id in self.results and task.id not in self.tasks:
            return  # a prior result: reused, never re-run
        if task.id in self.tasks:
            raise ValueError(f"task id {task.id} was submitted twice")
        self.tasks[task.id] = task
        if self.stopped:
            return  # marked cancelled when the run winds down
        bad = [d for d in task.deps if d in self.results and not self.results[d].ok]
        if bad:
            self.finish(task, _skipped(f"dependency ${bad[0]} did not succeed"))
            return
        waiting = {d for d in task.deps if d not in self.results}
        if not waiting:
            self.start(task)
            return
        self.missing[task.id] = waiting
        for dep in waiting:
            self.dependents.setdefault(dep, []).append(task.id)

    def settle_unknown_deps(self) -> None:
        for tid, deps in list(self.missing.items()):
            unknown = sorted(d for d in deps if d not in self.tasks)
            if unknown and tid in self.missing:
                self.finish(self.tasks[tid], _skipped(
                    f"depends on ${unknown[0]}, which is not in the plan"))

    def start(self, task: Task) -> None:
        self.missing.pop(task.id, None)
        if self.stopped:
            return
        if self.hold is not None and self.hold(task):
            self.held.append(task)
            return
        job = asyncio.create_task(self.run_task(task), name=f"task-{task.id}")
        self.running[task.id] = job
        job.add_done_callback(functools.partial(self._finished, task))

    def _finished(self, task: Task, job: asyncio.Task[TaskResult]) -> None:
        self.on_done(task, job)

    def on_done(self, task: Task, job: asyncio.Task[TaskResult]) -> None:
        self.running.pop(task.id, None)
        if job.cancelled():
            return
        try:
            self.finish(task, job.result())
        except Exception as exc:  # a failing hook (store, event sink) must not hang the run
            self.fail(ExecutionError(f"recording the result of task {task.id} failed: "
                                     f"{exc!r}", task_id=task.id), exc)
        self.check_done()

    def finish(self, task: Task, result: TaskResult) -> None:
        if task.id in self.results:
            raise RuntimeError(f"task {task.id} finished twice")  # an executor bug
        self.results[task.id] = result
        self.missing.pop(task.id, None)
        if self.on_result is not None:
            self.on_result(task, result)
        self.emit(TaskFinished(task, result))
        if result.status == "failed":
            self.on_failure(task, result)
        for child in self.dependents.pop(task.id, []):
            if child in self.results or child not in self.missing:
                continue
            if not result.ok:
                self.finish(self.tasks[child],
                            _skipped(f"dependency ${task.id} did not succeed"))
                continue
            self.missing[child].discard(task.id)
            if not self.missing[child]:
                self.start(self.tasks[child])

    def on_failure(self, task: Task, result: TaskResult) -> None:
        policy = self.cfg.failure_policy
        if policy == "fail":
            self.fail(ExecutionError(f"task {task.id} ({task.tool}) failed: {result.error}",
                                     task_id=task.id))
        elif policy == "to_joiner":
            self.stop(f"task {task.id} ({task.tool}) failed: {result.error}")

    def fail(self, error: ComPilotError, cause: BaseException | None = None) -> None:
        if self.failure is None:
            if cause is not None:
                error.__cause__ = cause
            self.failure = error
        self.stop(error.message)

    def stop(self, reason: str) -> None:
        if self.stopped is None:
            self.stopped = reason
        self.finished.set()

    def check_done(self) -> None:
        if self.closed and not self.running:
            self.settle_cycles()
            self.finished.set()

    def settle_cycles(self) -> None:
        """Nothing runs and no task will arrive: a task still waiting is either blocked on a
        held (approval) task or part of a dependency cycle. Cycles end as skipped."""
        blocked: set[int] = set()
        frontier = [t.id for t in self.held]
        while frontier:
            for child in self.dependents.get(frontier.pop(), []):
                if child not in blocked:
                    blocked.add(child)
                    frontier.append(child)
        for tid in [t for t in self.missing if t not in blocked and t not in self.results]:
            if tid in self.missing:
                self.finish(self.tasks[tid], _skipped("part of a dependency cycle"))

    async def cancel_all(self, feeder: asyncio.Task[None]) -> None:
        jobs = list(self.running.values())
        for job in jobs:
            job.cancel()
        await asyncio.gather(feeder, *jobs, return_exceptions=True)
        if self.stopped is None:
            return  # a normal end: what is left is held for approval or blocked on it
        now = time.time()
        for tid in [t for t in self.tasks if t not in self.results]:
            self.results[tid] = TaskResult("cancelled", error=f"cancelled: {self.stopped}",
                                           ended=now)
            self.emit(TaskFinished(self.tasks[tid], self.results[tid]))
        self.missing.clear()
        self.held.clear()

    def outcome(self) -> ExecutionOutcome:
        blocked = tuple(self.tasks[t] for t in self.missing if t not in self.results)
        return ExecutionOutcome(results=dict(self.results), held=tuple(self.held),
                                blocked=blocked, stopped_early=self.stopped,
                                tasks=dict(self.tasks))

    def emit(self, event: TaskStarted | TaskFinished) -> None:
        if self.ex.on_event is not None:
            self.ex.on_event(event)

    def value_of(self, task_id: int) -> Any:
        return self.results[task_id].value

    def semaphore(self, tool: Tool) -> asyncio.Semaphore | None:
        limit = self.cfg.per_tool_concurrency.get(tool.name, tool.max_concurrency)
        if limit is None:
            return None
        return self.tool_sems.setdefault(tool.name, asyncio.Semaphore(limit))

    async def run_task(self, task: Task) -> TaskResult:
        """Never raises (but for cancellation): every outcome becomes a TaskResult, so no
        dependent is ever left waiting."""
        try:
            tool = self.ex.registry.get(task.tool)
            args = resolve_args(task.args, self.value_of)
            mapped = mapped_argument(tool, task.args, args, self.cfg.max_fanout)
            if mapped is not None:
                return await self.fan_out(task, tool, args, *mapped)
            started = time.time()
            self.emit(TaskStarted(task, started))
            ok, value, attempts = await self.limited(tool, args)
            if ok:
                return TaskResult("ok", value, None, started, time.time(), attempts)
            return TaskResult("failed", None, value, started, time.time(), attempts)
        except Exception as exc:  # resolution or executor failure: the task fails, visibly
            now = time.time()
            return TaskResult("failed", error=_describe(exc), started=now, ended=now)

    async def fan_out(self, task: Task, tool: Tool, args: dict[str, Any], name: str,
                      items: list[Any]) -> TaskResult:
        """One call per item of the list argument ``name`` (see :mod:`fanout`)."""
        started = time.time()
        self.emit(TaskStarted(task, started))
        outcomes = await asyncio.gather(*(self.limited(tool, {**args, name: item})
                                          for item in items))
        attempts = max((n for _, _, n in outcomes), default=0)
        for item, (ok, error, _) in zip(items, outcomes, strict=True):
            if not ok:
                return TaskResult("failed", None, f"{name}={item!r}: {error}", started,
                                  time.time(), attempts)
        return TaskResult("ok", combine(items, [v for _, v, _ in outcomes]), None, started,
                          time.time(), attempts)

    async def limited(self, tool: Tool, args: dict[str, Any]) -> tuple[bool, Any, int]:
        """One call under the global and per-tool concurrency limits."""
        tool_sem = self.semaphore(tool)
        async with self.global_sem:
            if tool_sem is None:
                return await self.attempts(tool, args)
            async with tool_sem:
                return await self.attempts(tool, args)

    async def attempts(self, tool: Tool, args: dict[str, Any]) -> tuple[bool, Any, int]:
        """``(True, value, attempts)`` or ``(False, error, attempts)``, retried per config."""
        timeout = tool.timeout_s or self.cfg.task_timeout_s
        error = ""
        for attempt in range(1, self.cfg.retries + 2):
            if attempt > 1:
                await asyncio.sleep(min(self.cfg.backoff_s * 2 ** (attempt - 2),
                                        self.cfg.max_backoff_s))
            try:
                async with asyncio.timeout(timeout):
                    return True, await tool.ainvoke(args), attempt
            except TimeoutError:
                error = f"timed out after {timeout}s"
            except _PERMANENT as exc:
                return False, _describe(exc), attempt
            except Exception as exc:  # a tool's own failure: recorded, maybe retried
                error = _describe(exc)
        return False, error, self.cfg.retries + 1


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().replace("\n", " ")
    return f"{type(exc).__name__}: {text[:500]}" if text else type(exc).__name__


def _skipped(reason: str) -> TaskResult:
    return TaskResult("skipped", error=reason, ended=time.time())
