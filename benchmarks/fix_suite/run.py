"""Fix-suite benchmark: `compilot fix` and the peer mini-swe-agent side by side on real tasks.

Usage: python benchmarks/fix_suite/run.py [--methods compilot,mini-swe-agent]
       [--models qwen2.5-coder-0.5b ...] [--home DIR] [--only ID ...] [--limit N]
       [--candidates N] [--max-steps N] [--wall-time S] [--work DIR] [--out FILE]

For each model and task, each method gets the same issue text, the same local llama.cpp server
(`compilot model serve`, under --home) and the same step and wall-time limits:
  compilot        SWE-bench mode (`fix_instances`, resumable preds-<model>.jsonl);
  mini-swe-agent  2.4.6, run by peer_minisweagent.py in the separate venv benchmarks/.venv-peers
                  (setup_peer_env.sh) as a subprocess, so this venv never imports it.
Every patch is scored by the same scorer in a Docker sandbox: apply it and the task's hidden
target tests, run target + regression tests; *resolved* when all pass. Finished
(task, method, model) rows are kept in WORK/rows.jsonl and skipped on a re-run. Reports per
task and per method: resolve rate, empty-patch rate, time and tokens per task (and compilot's
"validated" claims). Writes a JSON result (default benchmarks/results/fix_suite.json) and
prints one summary line per model and method.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from prepare import DEFAULT_CACHE, FixTask, build_repo, instance_record, load_tasks  # noqa: E402
from verify_tasks import parse_outcomes  # noqa: E402

RESULTS = HERE.parent / "results" / "fix_suite.json"
PEER_PYTHON = HERE.parent / ".venv-peers" / "bin" / "python"
METHODS = ("compilot", "mini-swe-agent")


def build_instances(tasks: list[FixTask], work: Path, cache: Path) -> dict[str, dict[str, Any]]:
    """Task repositories under WORK/repos (built once) and their instance records by id."""
    records = {}
    for task in tasks:
        repo = work / "repos" / task.instance_id
        if not (repo / ".git").exists():
            repo, base = build_repo(task, work / "repos", cache)
        else:
            base = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"],
                                  capture_output=True, text=True, check=True).stdout.strip()
        records[task.instance_id] = {**instance_record(task, repo, base),
                                     "test_command": task.test_command}
    (work / "instances.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records.values()))
    return records


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
        tests = subprocess.run(["git", "-C", str(clone), "apply", str(task.target_tests_patch)],
                               text=True, capture_output=True)
        if tests.returncode != 0:  # the patch edited the tests the hidden ones change
            return {"resolved": False,
                    "reason": f"hidden tests do not apply: {tests.stderr[:300]}"}
        nodes = list(task.target_tests) + list(task.regression_tests)
        with make_sandbox(sandbox, workspace=clone) as box:
            res = box.exec(f"{task.test_command} -rA --tb=line {shlex.join(nodes)}",
                           timeout=600)
    outcomes = parse_outcomes(res.stdout + res.stderr)
    bad = [n for n in nodes if outcomes.get(n) != "PASSED"]
    return {"resolved": not bad, "failing": bad[:10],
            "targets_passed": sum(outcomes.get(t) == "PASSED" for t in task.target_tests)}


class ModelRun:
    """One model under one COMPILOT_HOME: its settings, server and (lazily) compilot's model."""

    def __init__(self, model_ref: str, home: Path | None) -> None:
        from compilot.config import load_settings

        self.ref, self.home = model_ref, home
        extra = {"home": str(home)} if home else {}
        self.settings = load_settings(model={"source": f"bundled:{model_ref}"}, **extra)
        self._model: Any = None
        self._served: dict[str, str] | None = None

    def chat_model(self) -> Any:
        if self._model is None:
            from compilot.workflows.models import open_model

            self._model = open_model(self.settings, progress=True)
        return self._model

    def served(self) -> dict[str, str]:
        """`compilot model serve --json`: the running server's litellm model and api_base."""
        if self._served is None:
            env = {**os.environ, **({"COMPILOT_HOME": str(self.home)} if self.home else {})}
            cli = Path(sys.executable).parent / "compilot"
            out = subprocess.run([str(cli), "model", "serve", "-m", f"bundled:{self.ref}",
                                  "--json"], env=env, capture_output=True, text=True, check=True)
            self._served = json.loads(out.stdout[out.stdout.index("{"):])
        return self._served

    def alive(self) -> bool:
        """The server still answers (a run cut by a dead server is no result to keep)."""
        try:
            with urllib.request.urlopen(self.served()["api_base"] + "/models", timeout=30):
                return True
        except OSError:
            return False


def run_compilot(mr: ModelRun, task: FixTask, inst: dict[str, Any], work: Path,
                 args: argparse.Namespace) -> dict[str, Any]:
    from compilot.workflows.fix import FixLimits, fix_instances

    one = work / "instances" / f"{task.instance_id}.jsonl"
    one.parent.mkdir(parents=True, exist_ok=True)
    one.write_text(json.dumps(inst) + "\n")
    preds = work / f"preds-{mr.ref}.jsonl"
    limits = FixLimits(max_steps=args.max_steps, wall_time_s=args.wall_time,
                       test_timeout_s=300, refine_rounds=args.refine_rounds)
    fix_instances(one, preds, model=mr.chat_model(), settings=mr.settings,
                  runs_dir=work / f"runs-{mr.ref}", candidates=args.candidates, limits=limits,
                  progress=lambda m: print(f"  {m}", file=sys.stderr))
    rec = {}
    for line in preds.read_text().splitlines():
        if line.strip() and json.loads(line)["instance_id"] == task.instance_id:
            rec = json.loads(line)
    return {"status": rec.get("status"), "validated": bool(rec.get("validated")),
            "seconds": rec.get("duration_s"), "tokens": rec.get("tokens"),
            "steps": rec.get("model_calls"), "error": rec.get("error"),
            "model_patch": rec.get("model_patch", "")}


def run_peer(mr: ModelRun, task: FixTask, inst: dict[str, Any], work: Path,
             args: argparse.Namespace) -> dict[str, Any]:
    """mini-swe-agent in its own venv; an overdue run is stopped and its tree still diffed."""
    if not PEER_PYTHON.exists():
        raise SystemExit(f"{PEER_PYTHON} is missing: run bash {HERE / 'setup_peer_env.sh'}")
    served = mr.served()
    workdir = work / f"peer-{mr.ref}" / task.instance_id
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "issue.md").write_text(inst["problem_statement"])
    out, label = workdir / "result.json", f"compilot-fix-suite-peer={uuid.uuid4().hex[:12]}"
    out.unlink(missing_ok=True)
    cmd = [str(PEER_PYTHON), str(HERE / "peer_minisweagent.py"), "--repo", inst["repo"],
           "--base-commit", inst["base_commit"], "--issue-file", str(workdir / "issue.md"),
           "--workdir", str(workdir), "--out", str(out), "--model", served["model"],
           "--api-base", served["api_base"], "--step-limit", str(args.peer_steps),
           "--wall-time", str(args.wall_time), "--label", label]
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    start = time.time()
    with open(workdir / "peer.log", "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        killed = _wait(proc, args.wall_time + 660)
    subprocess.run(f"docker ps -aq --filter label={label} | xargs -r docker rm -f",
                   shell=True, capture_output=True)
    if out.exists():
        res = json.loads(out.read_text())
    else:
        res = {"exit_status": "killed (overdue)" if killed else f"crashed (rc {proc.returncode})",
               "model_patch": _diff(workdir / "repo", inst["base_commit"])}
    return {"status": res.get("exit_status"), "validated": False,
            "seconds": res.get("seconds", round(time.time() - start, 2)),
            "tokens": res.get("tokens"), "steps": res.get("steps"),
            "format_errors": res.get("format_errors"), "error": res.get("error"),
            "model_patch": res.get("model_patch", "")}


def _wait(proc: subprocess.Popen, timeout: float) -> bool:
    try:
        proc.wait(timeout=timeout)
        return False
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return True


def _forget_pred(preds: Path, instance_id: str) -> None:
    """Drop an instance's line from compilot's preds file, so a re-run solves it again."""
    if preds.exists():
        keep = [x for x in preds.read_text().splitlines()
                if x.strip() and f'"instance_id": "{instance_id}"' not in x]
        preds.write_text("".join(x + "\n" for x in keep))


def _diff(repo: Path, base: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), "diff", base], capture_output=True, text=True)
    return done.stdout if done.returncode == 0 else ""


def load_rows(path: Path) -> dict[tuple[str, str, str], dict[str, Any]]:
    rows = {}
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                row = json.loads(line)
                rows[(row["instance_id"], row["method"], row["model"])] = row
            except (ValueError, KeyError):
                continue  # a line cut by a kill
    return rows


def summarize(model_ref: str, method: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows) or 1
    mean = lambda key: sum(r.get(key) or 0 for r in rows) / n  # noqa: E731
    claimed = [r for r in rows if r["validated"]]
    return {"model": model_ref, "method": method, "tasks": len(rows),
            "resolved": sum(r["resolved"] for r in rows),
            "resolve_rate": round(sum(r["resolved"] for r in rows) / n, 3),
            "empty_patch_rate": round(sum(r.get("reason") == "empty patch" for r in rows) / n, 3),
            "validated_claims": len(claimed),
            "validated_and_resolved": sum(r["resolved"] for r in claimed),
            "mean_seconds": round(mean("seconds"), 1), "mean_tokens": round(mean("tokens")),
            "mean_steps": round(mean("steps"), 1),
            "rows": [{k: v for k, v in r.items() if k != "model_patch"} for r in rows]}


def summary_line(s: dict[str, Any]) -> str:
    claims = (f", validated claims {s['validated_claims']} ({s['validated_and_resolved']} "
              "confirmed)" if s["method"] == "compilot" else "")
    return (f"fix_suite {s['model']} {s['method']}: resolved {s['resolved']}/{s['tasks']} "
            f"({s['resolve_rate']:.0%}), empty patches {s['empty_patch_rate']:.0%}{claims}, "
            f"{s['mean_seconds']}s, {s['mean_tokens']} tokens and {s['mean_steps']} steps "
            "per task")


def print_table(tasks: list[FixTask], models: list[str], methods: list[str],
                done: dict[tuple[str, str, str], dict[str, Any]]) -> None:
    """Per task, the methods side by side: verdict, exit status, seconds, tokens, steps."""
    for model_ref in models:
        print(f"{model_ref}: " + " | ".join(f"{m} (verdict, status, s, tokens, steps)"
                                             for m in methods))
        for task in tasks:
            cells = []
            for method in methods:
                r = done.get((task.instance_id, method, model_ref))
                verdict = None if r is None else (
                    "RESOLVED" if r["resolved"] else r.get("reason") or "unresolved")
                cells.append("not run" if r is None else
                             f"{verdict[:24]}, {r['status']}, {r['seconds']}, {r['tokens']}, "
                             f"{r['steps']}")
            print(f"  {task.instance_id}: " + " | ".join(cells))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default="compilot",
                        help=f"comma-separated, of: {','.join(METHODS)}")
    parser.add_argument("--models", nargs="+",
                        default=["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"])
    parser.add_argument("--home", type=Path, help="COMPILOT_HOME of the model server")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--limit", type=int, help="only the first N tasks (sorted by id)")
    parser.add_argument("--candidates", type=int, default=2)
    parser.add_argument("--refine-rounds", type=int, default=2,
                        help="compilot: rounds that show the rejected patch and its failures")
    parser.add_argument("--max-steps", type=int, default=8, help="model calls per task")
    parser.add_argument("--peer-steps", type=int, help="mini-swe-agent step limit "
                        "(default: --max-steps)")
    parser.add_argument("--wall-time", type=float, default=900.0,
                        help="seconds after which no new model call starts (both methods)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "fix-suite")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    args.methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = sorted(set(args.methods) - set(METHODS))
    if unknown:
        parser.error(f"unknown method(s) {unknown}; known: {', '.join(METHODS)}")
    args.peer_steps = args.peer_steps or args.max_steps
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tasks = load_tasks(only=args.only)[:args.limit]
    args.work.mkdir(parents=True, exist_ok=True)
    instances = build_instances(tasks, args.work, args.cache)
    rows_file, start = args.work / "rows.jsonl", time.time()
    done = load_rows(rows_file)
    runners = {"compilot": run_compilot, "mini-swe-agent": run_peer}
    for model_ref in args.models:
        mr = ModelRun(model_ref, args.home)
        for task in tasks:  # per task, methods back to back: a cut-short run stays paired
            for method in args.methods:
                if (task.instance_id, method, model_ref) in done:
                    continue
                print(f"[{model_ref}] {method} on {task.instance_id}", file=sys.stderr)
                res = runners[method](mr, task, instances[task.instance_id], args.work, args)
                if not mr.alive():
                    _forget_pred(args.work / f"preds-{model_ref}.jsonl", task.instance_id)
                    raise SystemExit(f"the model server at {mr.served()['api_base']} went away "
                                     f"during {method} on {task.instance_id}; nothing recorded. "
                                     "Restart it (compilot model serve) and re-run.")
                verdict = score(task, Path(instances[task.instance_id]["repo"]),
                                res["model_patch"] or "", mr.settings.sandbox)
                row = {"instance_id": task.instance_id, "method": method, "model": model_ref,
                       "max_steps": args.max_steps if method == "compilot" else args.peer_steps,
                       "wall_time_s": args.wall_time, **res, **verdict}
                with rows_file.open("a") as fh:
                    fh.write(json.dumps(row) + "\n")
                done[(task.instance_id, method, model_ref)] = row
                print(f"  -> {row['status']}, resolved={row['resolved']} "
                      f"{row.get('reason', '')}", file=sys.stderr)
    summaries = [summarize(m, meth, [done[(t.instance_id, meth, m)] for t in tasks
                                     if (t.instance_id, meth, m) in done])
                 for m in args.models for meth in args.methods]
    out = {"benchmark": "fix_suite", "seconds": round(time.time() - start, 1),
           "methods": args.methods, "candidates": args.candidates,
           "max_steps": args.max_steps, "peer_steps": args.peer_steps,
           "wall_time_s": args.wall_time, "tasks": [t.instance_id for t in tasks],
           "peer": {"name": "mini-swe-agent", "version": "2.4.6",
                    "model_class": "LitellmTextbasedModel", "config": "swebench_backticks",
                    "environment": "DockerEnvironment (compilot-sandbox:0.1.0, no network)"},
           "results": summaries}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2))
    print_table(tasks, args.models, args.methods, done)
    for s in summaries:
        print(summary_line(s))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
