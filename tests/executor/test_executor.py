from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from compilot.errors import ExecutionError
from compilot.executor import Executor, ExecutorConfig, TaskFinished, TaskStarted
from compilot.planner.plan import Task
from compilot.tools import ToolRegistry, tool


class Probe:
    """Counts concurrent and total calls of the tools below."""

    def __init__(self) -> None:
        self.active = 0
        self.peak = 0
        self.calls: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def enter(self, key: str, delay: float) -> None:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.calls[key] += 1
        try:
            await asyncio.sleep(delay)
        finally:
            with self.lock:
                self.active -= 1


def make_registry(probe: Probe) -> ToolRegistry:
    @tool
    async def fetch(key: str, delay: float = 0.05) -> dict:
        """Return a record after a delay."""
        await probe.enter(key, delay)
        return {"key": key, "n": len(key)}

    @tool(max_concurrency=1)
    async def serial(key: str) -> str:
        """A tool that must run one at a time."""
        await probe.enter(key, 0.02)
        return key

    @tool
    def total(values: list[int]) -> int:
        """Sum in a worker thread."""
        return sum(values)

    @tool
    async def boom(key: str) -> str:
        """Always fails."""
        probe.calls[key] += 1
        raise RuntimeError(f"boom {key}")

    return ToolRegistry([fetch, serial, total, boom])


def run(tasks: list[Task], **cfg: object):
    probe = Probe()
    ex = Executor(make_registry(probe), ExecutorConfig(**cfg))  # type: ignore[arg-type]
    return probe, asyncio.run(ex.execute(tasks))


def T(id: int, tool: str, **args: object) -> Task:
    return Task.make(id, tool, dict(args))


def test_independent_tasks_run_in_parallel_and_results_are_typed() -> None:
    tasks = [T(1, "fetch", key="ab"), T(2, "fetch", key="abc"),
             T(3, "total", values=["$1.n", "$2.n"]), T(4, "fetch", key="n=$3")]
    probe, out = run(tasks)
    assert probe.peak == 2
    assert out.results[3].value == 5 and isinstance(out.results[3].value, int)
    assert out.results[4].value["key"] == "n=5"
    assert all(r.attempts == 1 for r in out.results.values())


def test_global_and_per_tool_concurrency_limits() -> None:
    probe, _ = run([T(i, "fetch", key=str(i)) for i in range(1, 9)], max_concurrency=3)
    assert probe.peak == 3
    probe, _ = run([T(i, "serial", key=str(i)) for i in range(1, 5)])
    assert probe.peak == 1


def test_timeout_and_retries_with_attempt_count() -> None:
    _, out = run([T(1, "fetch", key="slow", delay=5)], task_timeout_s=0.05, retries=2,
                 backoff_s=0.01)
    assert out.results[1].status == "failed" and "timed out" in out.results[1].error
    assert out.results[1].attempts == 3


def test_skip_policy_skips_dependents_and_keeps_the_rest() -> None:
    tasks = [T(1, "boom", key="b"), T(2, "fetch", key="x=$1"), T(3, "total", values=["$2"]),
             T(4, "fetch", key="ok")]
    probe, out = run(tasks, failure_policy="skip", retries=1, backoff_s=0)
    assert out.results[1].error == "RuntimeError: boom b" and out.results[1].attempts == 2
    assert out.results[2].status == out.results[3].status == "skipped"
    assert "$1" in out.results[2].error
    assert out.results[4].ok and probe.calls["x=$1"] == 0


def test_fail_policy_raises_and_cancels_outstanding_work() -> None:
    tasks = [T(1, "fetch", key="long", delay=5), T(2, "boom", key="b")]
    with pytest.raises(ExecutionError, match="task 2 .boom. failed") as info:
        run(tasks, failure_policy="fail")
    assert info.value.task_id == 2


def test_to_joiner_policy_stops_early_with_partial_results() -> None:
    tasks = [T(1, "fetch", key="long", delay=5), T(2, "boom", key="b"),
             T(3, "fetch", key="$1")]
    _, out = run(tasks, failure_policy="to_joiner")
    assert out.stopped_early and "boom" in out.stopped_early
    assert out.results[1].status == "cancelled" and out.results[3].status == "cancelled"


def test_deadline_ends_the_run() -> None:
    _, out = run([T(1, "fetch", key="long", delay=5)], deadline_s=0.1)
    assert out.results[1].status == "cancelled" and "deadline" in out.stopped_early


def test_reference_problems_fail_the_task_not_the_run() -> None:
    _, out = run([T(1, "fetch", key="a"), T(2, "fetch", key="$1.missing"),
                  T(3, "fetch", key="$9")])
    assert out.results[2].status == "failed" and "missing" in out.results[2].error
    assert out.results[3].status == "skipped" and "not in the plan" in out.results[3].error


def test_tasks_stream_in_while_others_run_and_prior_results_are_reused() -> None:
    probe = Probe()
    events: list[object] = []
    ex = Executor(make_registry(probe), on_event=events.append)
    prior_run = asyncio.run(ex.execute([T(1, "fetch", key="a")]))
    started_before_second: list[bool] = []

    async def source() -> AsyncIterator[Task]:
        yield T(1, "fetch", key="a")
        yield T(2, "fetch", key="b-$1.key", delay=0.01)
        await asyncio.sleep(0.1)
        started_before_second.append(any(isinstance(e, TaskStarted) and e.task.id == 2
                                         for e in events))
        yield T(3, "total", values=["$1.n"])

    out = asyncio.run(ex.execute(source(), prior=prior_run.results))
    assert started_before_second == [True]
    assert probe.calls["a"] == 1  # task 1 came from the prior run, not run again
    assert out.results[3].value == 1
    assert sum(isinstance(e, TaskFinished) for e in events) == 3


def test_cancelling_execute_leaves_nothing_running() -> None:
    probe = Probe()
    ex = Executor(make_registry(probe))

    async def main() -> None:
        job = asyncio.create_task(ex.execute([T(i, "fetch", key=str(i), delay=5)
                                              for i in range(1, 4)]))
        await asyncio.sleep(0.05)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
        assert probe.active == 0

    asyncio.run(main())
