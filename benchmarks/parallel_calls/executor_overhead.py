"""Executor overhead: a random 10,000-task DAG of no-op tools (time per task), and a DAG of
sleep tools (wall time / critical path). Writes executor_overhead.json and one summary line.

    .venv/bin/python benchmarks/parallel_calls/executor_overhead.py [--tasks 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from pathlib import Path

from compilot.executor import Executor, ExecutorConfig
from compilot.planner.plan import Task
from compilot.tools import ToolRegistry, tool


@tool
async def noop(inputs: list = []) -> int:  # noqa: B006
    """Do nothing."""
    return 0


@tool
async def nap(seconds: float, inputs: list = []) -> int:  # noqa: B006
    """Sleep."""
    await asyncio.sleep(seconds)
    return 0


def random_dag(n: int, tool_name: str, rng: random.Random, extra: dict) -> list[Task]:
    tasks = []
    for i in range(1, n + 1):
        deps = rng.sample(range(max(1, i - 50), i), k=min(i - 1, rng.randint(0, 3))) if i > 1 \
            else []
        tasks.append(Task.make(i, tool_name, {**extra(i), "inputs": [f"${d}" for d in deps]}))
    return tasks


def critical_path(tasks: list[Task]) -> float:
    finish: dict[int, float] = {}
    for t in tasks:
        finish[t.id] = max((finish[d] for d in t.deps), default=0.0) + t.args["seconds"]
    return max(finish.values())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--sleep-tasks", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(7)
    reg = ToolRegistry([noop, nap])
    cfg = ExecutorConfig(max_concurrency=10_000, task_timeout_s=None)
    dag = random_dag(args.tasks, "noop", rng, lambda i: {})
    begin = time.perf_counter()
    out = asyncio.run(Executor(reg, cfg).execute(dag))
    per_task_us = (time.perf_counter() - begin) / args.tasks * 1e6
    assert all(r.ok for r in out.results.values())
    sleepy = random_dag(args.sleep_tasks, "nap", rng,
                        lambda i: {"seconds": round(rng.uniform(0.01, 0.05), 3)})
    begin = time.perf_counter()
    asyncio.run(Executor(reg, cfg).execute(sleepy))
    wall = time.perf_counter() - begin
    cp = critical_path(sleepy)
    result = {"noop_tasks": args.tasks, "overhead_us_per_task": round(per_task_us, 1),
              "sleep_tasks": args.sleep_tasks, "wall_s": round(wall, 4),
              "critical_path_s": round(cp, 4), "wall_over_critical_path": round(wall / cp, 4)}
    Path(__file__).with_name("executor_overhead.json").write_text(json.dumps(result, indent=2))
    print(f"executor: {per_task_us:.1f} us/task over {args.tasks} no-op tasks; "
          f"sleep DAG wall/critical path = {wall / cp:.3f}")


if __name__ == "__main__":
    main()
