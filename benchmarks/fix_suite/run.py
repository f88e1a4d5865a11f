"""Fix-suite benchmark: `compilot fix` on real tasks, scored by the hidden tests.

Usage: python benchmarks/fix_suite/run.py [--models qwen2.5-coder-0.5b qwen2.5-coder-1.5b]
       [--only ID ...] [--candidates N] [--max-steps N] [--work DIR] [--out FILE]

For each model: rebuild every task repository (prepare.py), run compilot's SWE-bench mode
(`fix_instances`, resumable preds.jsonl per model), then score each prediction in a Docker
sandbox: apply the model patch and the task's hidden target tests, run target + regression
tests; *resolved* when all pass. Reports resolve rate, empty-patch rate, "validated" claims
(and how many of them the hidden tests confirm), time and tokens per task. Writes a JSON
result (default benchmarks/results/fix_suite.json) and prints one summary line per model.

The peer agent (mini-swe-agent) is run by `--peer` only when the `minisweagent` package is
importable; otherwise its column says "not run" (never a made-up number).
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from prepare import DEFAULT_CACHE, FixTask, build_repo, instance_record, load_tasks  # noqa: E402
from verify_tasks import parse_outcomes  # noqa: E402

RESULTS = Path(__file__).resolve().parents[1] / "results" / "fix_suite.json"


def build_instances(tasks: list[FixTask], work: Path, cache: Path) -> Path:
    lines = []
    for task in tasks:
        repo = work / "repos" / task.instance_id
        if not (repo / ".git").exists():
            repo, base = build_repo(task, work / "repos", cache)
        else:
            base = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"],
                                  capture_output=True, text=True, check=True).stdout.strip()
        lines.append({**instance_record(task, repo, base), "test_command": task.test_command})
    path = work / "instances.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def score(task: FixTask, repo: Path, patch: str, sandbox: Any) -> dict[str, Any]:
    """Hidden-test verdict of one patch, run in a sandbox on a fresh clone."""
    from compilot.sandboxes import make_sandbox

    if not patch.strip():
        return {"resolved": False, "reason": "empty patch"}
    with tempfile.TemporaryDirectory(prefix="fix-suite-score-") as tmp:
        clone = Path(tmp) / "repo"
        subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
        applied = subprocess.run(["git", "-C", str(clone), "apply", "-"], input=patch,
                                 text=True, capture_output=True)
        if applied.returncode != 0:
            return {"resolved": False, "reason": f"patch does not apply: {applied.stderr[:300]}"}
        subprocess.run(["git", "-C", str(clone), "apply", str(task.target_tests_patch)],
                       check=True)
        nodes = list(task.target_tests) + list(task.regression_tests)
        with make_sandbox(sandbox, workspace=clone) as box:
            res = box.exec(f"{task.test_command} -rA --tb=line {shlex.join(nodes)}",
                           timeout=600)
    outcomes = parse_outcomes(res.stdout + res.stderr)
    bad = [n for n in nodes if outcomes.get(n) != "PASSED"]
    return {"resolved": not bad, "failing": bad[:10],
            "targets_passed": sum(outcomes.get(t) == "PASSED" for t in task.target_tests)}


def run_model(model_ref: str, tasks: list[FixTask], instances: Path, work: Path,
              args: argparse.Namespace) -> dict[str, Any]:
    from compilot.config import load_settings
    from compilot.workflows.fix import FixLimits, fix_instances
    from compilot.workflows.models import open_model

    settings = load_settings(model={"source": f"bundled:{model_ref}"})
    model = open_model(settings, progress=True)
    preds = work / f"preds-{model_ref}.jsonl"
    limits = FixLimits(max_steps=args.max_steps, wall_time_s=args.wall_time,
                       test_timeout_s=300)
    fix_instances(instances, preds, model=model, settings=settings,
                  runs_dir=work / f"runs-{model_ref}", candidates=args.candidates,
                  limits=limits, progress=lambda m: print(f"  {m}", file=sys.stderr))
    records = {json.loads(x)["instance_id"]: json.loads(x)
               for x in preds.read_text().splitlines() if x.strip()}
    rows = []
    for task in tasks:
        rec = records.get(task.instance_id, {})
        verdict = score(task, work / "repos" / task.instance_id, rec.get("model_patch", ""),
                        settings.sandbox)
        rows.append({"instance_id": task.instance_id, "status": rec.get("status"),
                     "validated": bool(rec.get("validated")),
                     "seconds": rec.get("duration_s"), "tokens": rec.get("tokens"),
                     "model_calls": rec.get("model_calls"), **verdict})
    return summarize(model_ref, rows)


def summarize(model_ref: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows) or 1
    claimed = [r for r in rows if r["validated"]]
    return {"model": model_ref, "tasks": len(rows),
            "resolved": sum(r["resolved"] for r in rows),
            "resolve_rate": round(sum(r["resolved"] for r in rows) / n, 3),
            "empty_patch_rate": round(sum(r.get("reason") == "empty patch" for r in rows) / n, 3),
            "validated_claims": len(claimed),
            "validated_and_resolved": sum(r["resolved"] for r in claimed),
            "mean_seconds": round(sum(r["seconds"] or 0 for r in rows) / n, 1),
            "mean_tokens": round(sum(r["tokens"] or 0 for r in rows) / n),
            "rows": rows}


def peer_status() -> dict[str, Any]:
    try:
        import minisweagent  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return {"peer": "mini-swe-agent", "status": "not run",
                "reason": "minisweagent is not installed (pip install mini-swe-agent==2.4.6)"}
    return {"peer": "mini-swe-agent", "status": "not run",
            "reason": "the side-by-side driver is not implemented yet"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+",
                        default=["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"])
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--candidates", type=int, default=2)
    parser.add_argument("--max-steps", type=int, default=8)
    parser.add_argument("--wall-time", type=float, default=900.0)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "fix-suite")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    tasks = load_tasks(only=args.only)
    args.work.mkdir(parents=True, exist_ok=True)
    instances = build_instances(tasks, args.work, args.cache)
    start = time.time()
    results = [run_model(m, tasks, instances, args.work, args) for m in args.models]
    out = {"benchmark": "fix_suite", "seconds": round(time.time() - start, 1),
           "candidates": args.candidates, "max_steps": args.max_steps,
           "models": results, "peer": peer_status()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2))
    for r in results:
        print(f"fix_suite {r['model']}: resolved {r['resolved']}/{r['tasks']} "
              f"({r['resolve_rate']:.0%}), empty patches {r['empty_patch_rate']:.0%}, "
              f"validated claims {r['validated_claims']} "
              f"({r['validated_and_resolved']} confirmed), {r['mean_seconds']}s and "
              f"{r['mean_tokens']} tokens per task")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
