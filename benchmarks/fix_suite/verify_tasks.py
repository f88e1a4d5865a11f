"""Check every fix-suite task mechanically, on the host, with this interpreter's pytest.

Usage: python benchmarks/fix_suite/verify_tasks.py [--only ID ...] [--cache DIR] [--out FILE]

For each task: rebuild its repository at version_before (prepare.py), apply
target_tests.patch, run the target and regression tests (every target must fail, every
regression test must pass), apply gold_patch.diff, run them again (everything must pass).
Writes a JSON result (default benchmarks/fix_suite/results/verify_tasks.json) and prints one
summary line; exits 1 when a task is invalid.
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
from pathlib import Path
from typing import Any

from prepare import DEFAULT_CACHE, FixTask, build_repo, git, load_tasks

RESULTS = Path(__file__).resolve().parent / "results" / "verify_tasks.json"
_OUTCOMES = ("PASSED", "FAILED", "ERROR", "XFAIL", "XPASS")


def parse_outcomes(output: str) -> dict[str, str]:
    """Node id -> outcome from pytest's `-rA` short summary lines.

    A failing subtest (`SUBFAILED(...) id`, pytest >= 9) marks its test FAILED even though
    pytest also lists the test itself as PASSED.
    """
    outcomes: dict[str, str] = {}
    for line in output.splitlines():
        word, _, rest = line.partition(" ")
        if word.startswith("SUBFAILED"):
            word = "FAILED"
        if word in _OUTCOMES and "::" in rest:
            node = rest.split(" - ")[0].strip()
            if outcomes.get(node) not in ("FAILED", "ERROR"):
                outcomes[node] = word
    return outcomes


def run_tests(repo: Path, task: FixTask, node_ids: list[str]) -> tuple[dict[str, str], str]:
    """Run task.test_command on node_ids in repo; return (outcomes, output tail)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("PYTHONPATH", None)
    command = f"{task.test_command} -rA --tb=line {shlex.join(node_ids)}"
    done = subprocess.run(["bash", "-c", command], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=900)
    output = done.stdout + done.stderr
    return parse_outcomes(output), output[-3000:]


def _stage(repo: Path, task: FixTask, expect_targets: str) -> dict[str, Any]:
    """Run the tests once; check targets against expect_targets and regressions pass."""
    targets, regressions = list(task.target_tests), list(task.regression_tests)
    outcomes, tail = run_tests(repo, task, targets + regressions)
    if expect_targets == "fail":
        bad_targets = [t for t in targets if outcomes.get(t) == "PASSED"]
    else:
        bad_targets = [t for t in targets if outcomes.get(t) != "PASSED"]
    bad_regressions = [t for t in regressions if outcomes.get(t) != "PASSED"]
    stage: dict[str, Any] = {"targets": {t: outcomes.get(t, "MISSING") for t in targets},
             "regression_passed": len(regressions) - len(bad_regressions),
             "regression_total": len(regressions), "bad_targets": bad_targets,
             "bad_regressions": bad_regressions[:20]}
    stage["ok"] = not bad_targets and not bad_regressions
    if not stage["ok"]:
        stage["output_tail"] = tail
    return stage


def verify(task: FixTask, workdir: Path, cache: Path) -> dict[str, Any]:
    """Verify one task in a fresh repository under workdir."""
    start = time.perf_counter()
    repo, base = build_repo(task, workdir, cache)
    git(repo, "apply", str(task.target_tests_patch))
    before = _stage(repo, task, expect_targets="fail")
    git(repo, "apply", str(task.gold_patch))
    after = _stage(repo, task, expect_targets="pass")
    return {"instance_id": task.instance_id, "base_commit": base,
            "ok": bool(before["ok"] and after["ok"]), "before_gold": before,
            "after_gold": after, "seconds": round(time.perf_counter() - start, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="task ids to verify (default: all)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="sdist cache folder")
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON result file")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="fix_suite_") as tmp:
        for task in load_tasks(only=args.only):
            result = verify(task, Path(tmp), args.cache)
            results.append(result)
            print(f"{'ok  ' if result['ok'] else 'FAIL'} {task.instance_id} "
                  f"(targets {len(task.target_tests)}, regression "
                  f"{result['after_gold']['regression_total']}, {result['seconds']}s)")
    valid = sum(r["ok"] for r in results)
    packages = {t.package for t in load_tasks(only=args.only)}
    summary = (f"fix_suite verify: {valid}/{len(results)} tasks valid across {len(packages)} "
               f"packages (targets fail before gold and pass after; regression tests pass) "
               f"in {time.perf_counter() - start:.0f}s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"summary": summary, "python": sys.version.split()[0],
                                    "tasks": results}, indent=2) + "\n")
    print(summary)
    return 0 if valid == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
