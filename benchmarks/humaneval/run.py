"""HumanEval with the LDB debugger and its baselines, under one call budget per problem.

Solve mode: every method starts from the same greedy generation (the "seed", one call of the
budget, cached so methods and reruns share it); ``plain`` then resamples, ``selfdebug``
repairs from failure messages, ``ldb`` from block traces, each until the visible (docstring)
tests pass or the budget ends. The official tests run once per final program. The seed's own
pass rate is reported as ``seed`` (single-shot plain generation, the paper's baseline).
Repair mode: the start programs are single-operator mutants of the canonical solutions that
fail the official tests; the score is the repair rate.

Everything executes in the sandbox (Docker by default; ``--local`` runs unisolated).
Results are appended to a JSONL file per mode and model, so an interrupted run resumes.

Usage: python benchmarks/humaneval/run.py [--method ldb --method plain ...] [--limit N]
       [--model bundled:qwen2.5-coder-1.5b] [--mode solve|repair] [--max-calls 6]
       [--out benchmarks/results/humaneval] [--restart-when-stuck]
       [--restart-after-failed-fix] [--hinted-restarts] [--seed 0] [--repeatable] [--local]

The summary also gives the ceiling the shared seed leaves: a problem whose seed passes its
visible tests (or that has none) ends there for every method, so no method can score above
the seed's results there plus every problem that reaches the loop.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import zlib
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from problems import (  # noqa: E402 (the sibling module, found through the path above)
    Problem,
    buggy_programs,
    ceiling,
    load_problems,
    passes_hidden,
    summary_row,
    visible_tests,
)

from compilot.agents.debugger import METHODS, DebuggerConfig, run_method  # noqa: E402
from compilot.agents.debugger.loop import CallBudget  # noqa: E402
from compilot.agents.debugger.methods import generate  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--method", action="append", choices=METHODS, help="repeatable; default all")
    ap.add_argument("--mode", choices=("solve", "repair"), default="solve")
    ap.add_argument("--limit", type=int, default=None, help="first N problems only")
    ap.add_argument("--task", action="append", default=[], help="only these task ids")
    ap.add_argument("--model", default=None, help="model source (default: configured)")
    ap.add_argument("--model-name", default=None)
    ap.add_argument("--max-calls", type=int, default=6, help="model calls per problem")
    ap.add_argument("--max-tokens", type=int, default=768)
    ap.add_argument("--mutants", type=int, default=1, help="repair mode: mutants per problem")
    ap.add_argument("--seed", type=int, default=0,
                    help="seeds the mutants and every sampled call (a rerun draws the same "
                         "samples)")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/humaneval"))
    ap.add_argument("--restart-when-stuck", action="store_true",
                    help="selfdebug/ldb sample a fresh program after a fix that changed "
                         "nothing (results go to files tagged -restart)")
    ap.add_argument("--restart-after-failed-fix", action="store_true",
                    help="selfdebug/ldb alternate fixes and fresh samples: a fresh program "
                         "after every failed fix (results go to files tagged -alternate)")
    ap.add_argument("--hinted-restarts", action="store_true",
                    help="a restart's prompt carries the failing test and the blocks judged "
                         "wrong (results go to files tagged -hinted)")
    ap.add_argument("--repeatable", action="store_true",
                    help="serve the model with server.repeatable (every prompt read whole): "
                         "the same results when resumed, reordered or beside other runs")
    ap.add_argument("--local", action="store_true", help="LocalSandbox: NO isolation")
    return ap.parse_args(argv)


def slug(text: str) -> str:
    """A file-name tag for a model name (a path keeps its last part)."""
    tail = text.rstrip("/").rsplit("/", 1)[-1].removesuffix(".gguf")
    return re.sub(r"[^A-Za-z0-9.]+", "-", tail).strip("-")[:60] or "model"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def append_jsonl(path: Path, record: dict[str, Any]) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")


def cached_visible(box: Any, problems: list[Problem], out: Path) -> dict[str, list[str]]:
    path = out / "visible_tests.json"
    cache: dict[str, list[str]] = json.loads(path.read_text()) if path.exists() else {}
    missing = [p for p in problems if p.task_id not in cache]
    for problem in missing:
        cache[problem.task_id] = visible_tests(box, problem)
    if missing:
        path.write_text(json.dumps(cache, indent=1))
    return cache


def seed_program(chat: Any, box: Any, problem: Problem, config: DebuggerConfig,
                 path: Path) -> dict[str, Any]:
    """The shared first generation (cached per model)."""
    for record in read_jsonl(path):
        if record["task_id"] == problem.task_id:
            return record
    budget = CallBudget(chat, 1)
    program = generate(budget, problem.prompt, problem.entry_point, config)
    record = {"task_id": problem.task_id, "program": program,
              "hidden_passed": passes_hidden(box, problem, program),
              "prompt_tokens": budget.usage.prompt_tokens,
              "completion_tokens": budget.usage.completion_tokens}
    append_jsonl(path, record)
    return record


def starts(args: argparse.Namespace, chat: Any, box: Any, problem: Problem,
           config: DebuggerConfig, seeds: Path,
           visible: list[str]) -> list[tuple[str, str, dict[str, Any]]]:
    """(start id, program, cost already spent) for each run on ``problem``."""
    if args.mode == "solve":
        seed = seed_program(chat, box, problem, config, seeds)
        spent = {"calls": 1, "prompt_tokens": seed["prompt_tokens"],
                 "completion_tokens": seed["completion_tokens"]}
        return [("seed", seed["program"], spent)]
    zero = {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0}
    return [(f"mutant{i}:{m.description}@{m.line}", m.source, zero)
            for i, m in enumerate(buggy_programs(box, problem, args.mutants, args.seed,
                                                  visible))]


def sampling_seed(seed: int, task_id: str) -> int:
    """The base sampling seed of a problem: one per (``--seed``, task), the same for every
    method, so methods that send the same prompt at the same call draw the same sample."""
    return zlib.crc32(f"{seed}:{task_id}".encode()) & 0x3FFFFFFF


def run_one(args: argparse.Namespace, chat: Any, box: Any, problem: Problem, method: str,
            start: tuple[str, str, dict[str, Any]], tests: list[str],
            config: DebuggerConfig) -> dict[str, Any]:
    start_id, program, spent = start
    budget_left = config.model_copy(update={"max_calls": args.max_calls - spent["calls"],
                                            "seed": sampling_seed(args.seed, problem.task_id)})
    began = time.monotonic()
    result = run_method(method, chat, box, task=problem.prompt,  # type: ignore[arg-type]
                        function=problem.entry_point, tests=tests, program=program,
                        config=budget_left)
    return {"task_id": problem.task_id, "method": method, "mode": args.mode, "start": start_id,
            "visible_total": len(tests), "visible_passed": result.best.passed,
            "visible_solved": result.solved,
            "hidden_passed": passes_hidden(box, problem, result.program),
            "calls": spent["calls"] + result.calls,
            "prompt_tokens": spent["prompt_tokens"] + result.usage.prompt_tokens,
            "completion_tokens": spent["completion_tokens"] + result.usage.completion_tokens,
            "sampling_seed": budget_left.seed,
            "stop_reason": result.stop_reason, "seconds": round(time.monotonic() - began, 1),
            "verdicts": sum(len(a.verdicts) for a in result.attempts),
            "notes": [n for a in result.attempts for n in a.notes],
            "program": result.program,
            "transcript": [{"messages": [[m.role, m.content] for m in messages], "answer": text}
                           for messages, text in result.transcript]}


def summarise(args: argparse.Namespace, records: list[dict[str, Any]], seeds: Path,
              model: str, done_ids: set[str]) -> dict[str, Any]:
    methods = {m: summary_row([r for r in records if r["method"] == m])
               for m in args.method}
    summary: dict[str, Any] = {"mode": args.mode, "model": model, "max_calls": args.max_calls,
                               "restart_when_stuck": args.restart_when_stuck,
                               "restart_after_failed_fix": args.restart_after_failed_fix,
                               "hinted_restarts": args.hinted_restarts,
                               "repeatable_server": args.repeatable,
                               "problems": len(done_ids), "methods": methods}
    if args.mode == "solve":
        seed_rows = [s for s in read_jsonl(seeds) if s["task_id"] in done_ids]
        if seed_rows:
            summary["seed_pass@1"] = round(
                100 * sum(s["hidden_passed"] for s in seed_rows) / len(seed_rows), 2)
        summary["ceiling"] = ceiling(records)
    return summary


def main(argv: list[str] | None = None) -> int:
    from compilot.config import load_settings
    from compilot.sandboxes import make_sandbox
    from compilot.workflows.models import open_model
    from compilot.workflows.run import resolve_constrained

    args = parse_args(argv)
    args.method = args.method or list(METHODS)
    args.out.mkdir(parents=True, exist_ok=True)
    settings = load_settings(model={"source": args.model, "name": args.model_name},
                             sandbox={"kind": "local" if args.local else None},
                             server={"repeatable": True} if args.repeatable else None)
    chat = open_model(settings)
    form, chat = resolve_constrained(chat, "auto", settings.home)
    tag = slug(chat.name)
    seeds = args.out / f"seeds-{tag}.jsonl"  # shared by every variant of the methods
    tag += "-restart" if args.restart_when_stuck else ""
    tag += "-alternate" if args.restart_after_failed_fix else ""
    tag += "-hinted" if args.hinted_restarts else ""
    results = args.out / f"{args.mode}-{tag}.jsonl"
    calls = args.out / f"{args.mode}-{tag}.calls.jsonl"  # every prompt and answer
    config = DebuggerConfig(max_calls=args.max_calls, max_tokens=args.max_tokens,
                            constrained=form == "grammar",
                            restart_when_stuck=args.restart_when_stuck,
                            restart_after_failed_fix=args.restart_after_failed_fix,
                            hinted_restarts=args.hinted_restarts)
    problems = load_problems(args.limit, args.task)
    with make_sandbox(settings.sandbox) as box:
        visible = cached_visible(box, problems, args.out)
        done = {(r["task_id"], r["method"], r["start"]) for r in read_jsonl(results)}
        for n, problem in enumerate(problems, 1):
            for start in starts(args, chat, box, problem, config, seeds,
                                visible[problem.task_id]):
                for method in args.method:
                    if (problem.task_id, method, start[0]) in done:
                        continue
                    record = run_one(args, chat, box, problem, method, start,
                                     visible[problem.task_id], config)
                    append_jsonl(calls, {"task_id": problem.task_id, "method": method,
                                         "start": start[0],
                                         "transcript": record.pop("transcript")})
                    append_jsonl(results, record)
                    print(f"[{n}/{len(problems)}] {problem.task_id} {method}: hidden "
                          f"{'PASS' if record['hidden_passed'] else 'fail'}, "
                          f"{record['calls']} calls", flush=True)
    ids = {p.task_id for p in problems}
    records = [r for r in read_jsonl(results) if r["task_id"] in ids]
    summary = summarise(args, records, seeds, chat.name, ids)
    (args.out / f"{args.mode}-{tag}.summary.json").write_text(json.dumps(summary, indent=2))
    line = ", ".join(f"{m} {s.get('pass@1', 0)}% of {s['n']} ("
                     f"{s.get('calls_per_problem', 0)} calls, "
                     f"{s.get('tokens_per_problem', 0)} tok)"
                     for m, s in summary["methods"].items())
    score = "pass@1" if args.mode == "solve" else "repair rate"
    seed = f"seed {summary['seed_pass@1']}%, " if "seed_pass@1" in summary else ""
    print(f"humaneval {args.mode} {score} on {len(ids)} problems [{chat.name}]: {seed}{line}")
    if (top := summary.get("ceiling", {})).get("problems"):
        print(f"{top['reached_loop']} problems reached the loop; the seed settles the rest, so "
              f"no method can pass more than {top['pass@1']}%")
    return 0


def cli() -> int:
    from compilot.errors import ComPilotError

    try:
        return main()
    except ComPilotError as exc:  # e.g. the model server went away: results so far are kept
        print(f"error: {exc}\nrerun the same command to resume", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(cli())
