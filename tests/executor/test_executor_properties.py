"""Random and adversarial plans and tool behaviours: every run ends in time, nothing hangs,
no task runs twice, and every task gets exactly one outcome."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compilot.errors import ExecutionError
from compilot.executor import Executor, ExecutorConfig
from compilot.planner.plan import Task
from compilot.tools import ToolRegistry, tool

BEHAVIOURS = ["ok", "raise", "hang", "huge", "wrong_type", "sync_ok", "sync_raise"]


def make_registry(calls: Counter[int]) -> ToolRegistry:
    @tool
    async def act(n: int, behaviour: str, inputs: list = []) -> int:  # noqa: B006
        """Behave as told."""
        calls[n] += 1
        if behaviour == "raise":
            raise ValueError("bad")
        if behaviour == "hang":
            await asyncio.sleep(3600)
        if behaviour == "huge":
            return "x" * 2_000_000  # type: ignore[return-value]  # also the wrong type
        if behaviour == "wrong_type":
            return {"not": "an int"}  # type: ignore[return-value]
        return n

    @tool
    def sync_act(n: int, behaviour: str, inputs: list = []) -> int:  # noqa: B006
        """Behave as told, in a thread."""
        calls[n] += 1
        if behaviour == "sync_raise":
            raise KeyError("bad")
        return n

    return ToolRegistry([act, sync_act])


@st.composite
def plans(draw: st.DrawFn) -> list[Task]:
    size = draw(st.integers(1, 12))
    tasks = []
    for i in range(1, size + 1):
        behaviour = draw(st.sampled_from(BEHAVIOURS))
        deps = draw(st.lists(st.integers(1, i + 1), max_size=3, unique=True))  # i, i+1: bad
        tool_name = "sync_act" if behaviour.startswith("sync") else "act"
        tasks.append(Task.make(i, tool_name, {"n": i, "behaviour": behaviour,
                                              "inputs": [f"${d}" for d in deps]}))
    return draw(st.permutations(tasks))


@settings(max_examples=40, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans(), policy=st.sampled_from(["skip", "to_joiner", "fail"]),
       retries=st.integers(0, 1))
def test_every_run_ends_in_time_with_one_outcome_per_task(plan: list[Task], policy: str,
                                                          retries: int) -> None:
    calls: Counter[int] = Counter()
    cfg = ExecutorConfig(task_timeout_s=0.03, retries=retries, backoff_s=0.001,
                         failure_policy=policy, deadline_s=2.0)  # type: ignore[arg-type]
    begin = time.perf_counter()
    try:
        out = asyncio.run(Executor(make_registry(calls), cfg).execute(plan))
    except ExecutionError as exc:
        assert policy == "fail" and exc.message
        out = None
    assert time.perf_counter() - begin < 2.5
    assert all(n <= retries + 1 for n in calls.values())
    if out is None:
        return
    assert set(out.results) == {t.id for t in plan}
    for task in plan:
        result = out.results[task.id]
        if result.status == "ok":
            assert calls[task.id] >= 1 and result.value == task.id
            assert all(out.results[d].ok for d in task.deps)
        elif result.status == "skipped":
            assert calls[task.id] == 0
