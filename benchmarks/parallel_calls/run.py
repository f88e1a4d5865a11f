"""Parallel function calling: compilot's LLMCompiler-style planner vs ReAct and two peers.

Every method answers the same questions (questions.jsonl) with the same tools and the same
model server; per method and question type: accuracy, mean wall time, model calls, tokens,
and the speedup over ReAct. Results are saved after every question and a rerun resumes.

    benchmarks/.venv/bin/python benchmarks/parallel_calls/run.py --limit 10 \
        --methods compilot,react --model bundled:qwen2.5-coder-1.5b
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from methods import runners, timed  # noqa: E402
from score import correct  # noqa: E402
from summary import render, summarise  # noqa: E402

DEFAULT_METHODS = "compilot,compilot-free,react,react-free,langgraph-react,llmcompiler"


def _args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="first N questions")
    ap.add_argument("--types", default="", help="only these types (comma-separated)")
    ap.add_argument("--methods", default=DEFAULT_METHODS)
    ap.add_argument("--model", default="bundled:qwen2.5-coder-1.5b")
    ap.add_argument("--questions", type=Path, default=HERE / "questions.jsonl")
    ap.add_argument("--out", type=Path,
                    default=HERE.parent / "results" / "parallel_calls.json")
    ap.add_argument("--timeout", type=float, default=420.0, help="per question and method")
    ap.add_argument("--summary-only", action="store_true")
    return ap.parse_args()


def _questions(args: argparse.Namespace) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in args.questions.read_text().splitlines() if line]
    if args.types:
        wanted = set(args.types.split(","))
        rows = [r for r in rows if r["type"] in wanted]
    return rows[:args.limit] if args.limit else rows


def _load(path: Path) -> dict[str, Any]:
    if path.exists():
        return json.loads(path.read_text())
    return {"runs": {}}


def _save(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False))
    tmp.replace(path)


def _server_home(settings: Any) -> Path | None:
    """Where the benchmark's own server keeps its state, for a ``bundled:`` or ``gguf:``
    source (None for a server someone else runs). A folder of its own under the compilot
    home, so restarting it never cuts off a `compilot` command using the home's server."""
    from compilot.llm.sources import parse_source

    if parse_source(settings.model.source).kind not in ("bundled", "gguf"):
        return None
    return Path(settings.home) / "benchmarks" / "parallel_calls"


def _open(settings: Any, server_home: Path | None) -> tuple[Any, str]:
    """The model on a freshly started server: each method begins with an empty prompt cache,
    so no method resumes from states another method left (same question, same prefix).
    Returns the model and its constrained-output form."""
    from compilot.llm.client import LiteLLMModel
    from compilot.llm.resolve import ensure_endpoint
    from compilot.llm.server import LocalServer
    from compilot.workflows.run import resolve_constrained

    if server_home is not None:
        LocalServer(server_home, settings.server).stop()
    model = LiteLLMModel(ensure_endpoint(settings, server_home=server_home), settings.model)
    form, model = resolve_constrained(model, "auto", settings.home)
    return model, form


async def _run_method(args: argparse.Namespace, data: dict[str, Any], method: str,
                      todo: list[dict[str, Any]], model: Any, runner: Any) -> None:
    """One method's questions back to back, each saved as soon as it is scored."""
    for q in todo:
        key = f"{method}/{q['id']}"
        rec = await timed(runner, q["question"], model, args.timeout)
        rec.update({"method": method, "id": q["id"], "type": q["type"],
                    "expected": q["answer"], "correct": correct(q, rec.get("answer"))})
        data["runs"][key] = rec
        _save(args.out, data)
        print(f"{key:28s} {q['type']:15s} {'OK ' if rec['correct'] else 'BAD'} "
              f"{rec['wall_s']:7.1f}s {str(rec.get('answer'))[:50]!r} "
              f"{rec.get('error', '')[:80]}", flush=True)


async def main() -> None:
    from compilot.config import load_settings
    from compilot.llm.server import LocalServer

    args = _args()
    data, questions = _load(args.out), _questions(args)
    methods = [m for m in args.methods.split(",") if m]
    if not args.summary_only:
        all_runners = runners()
        unknown = [m for m in methods if m not in all_runners]
        if unknown:
            raise SystemExit(f"unknown methods {unknown}; known: {', '.join(all_runners)}")
        # Method by method, each on a fresh server and its questions back to back, as one
        # user's session would run: the server's prompt cache holds that method's prompts.
        for method in methods:
            todo = [q for q in questions if f"{method}/{q['id']}" not in data["runs"]]
            if not todo:
                continue
            settings = load_settings(model={"source": args.model})
            server_home = _server_home(settings)
            try:  # the server stops even when the run is interrupted while it starts
                model, form = _open(settings, server_home)
                data.update({"model": args.model, "auto_constrained": form})
                await _run_method(args, data, method, todo, model, all_runners[method])
            finally:
                if server_home is not None:
                    LocalServer(server_home, settings.server).stop()
    by_id = {q["id"]: q for q in questions}
    for rec in data["runs"].values():  # re-scored, so a scoring fix applies to old results
        if rec["id"] in by_id:
            rec["correct"] = correct(by_id[rec["id"]], rec.get("answer"))
    table = summarise([r for r in data["runs"].values() if r["id"] in by_id])
    data["summary"] = table
    if not args.summary_only:
        _save(args.out, data)
    print(render(table))


def _exit_on_sigterm() -> None:
    """A terminated run (``timeout``, ``kill``) unwinds like Ctrl-C, so the method's server is
    stopped instead of left running."""
    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, stop)


if __name__ == "__main__":
    _exit_on_sigterm()
    asyncio.run(main())
