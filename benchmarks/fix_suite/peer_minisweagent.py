"""Run the peer agent mini-swe-agent (2.4.6) on one fix-suite task and write one JSON result.

Usage (inside benchmarks/.venv-peers, made by setup_peer_env.sh; never the project venv):
    benchmarks/.venv-peers/bin/python benchmarks/fix_suite/peer_minisweagent.py \
        --repo REPO --base-commit SHA --issue-file ISSUE.md --workdir DIR --out RESULT.json \
        --model openai/ALIAS --api-base http://127.0.0.1:PORT/v1 [--step-limit N] [--wall-time S]

What runs: mini-swe-agent's ``DefaultAgent`` with its text-based litellm model
(``LitellmTextbasedModel``: one ```mswea_bash_command block per reply, no tool calls), its
SWE-bench "backticks" prompts (config/benchmarks/swebench_backticks.yaml) and its
``DockerEnvironment`` on the local image compilot-sandbox:0.1.0 (python3, pytest, git; no
network), with a throwaway clone of the task repository mounted at /testbed. Cost tracking is
off (``cost_tracking: ignore_errors``, the cost limit disabled): a local model has no price.

The patch is the final ``git diff <base>`` of the clone (tracked files; the agent's
patch.txt and scratch scripts are untracked and left out), whatever the agent's exit status.
The agent's failures (format errors, step or time limit, a server error) are results: the
exit status, steps, tokens (summed from litellm's usage) and wall time are recorded, and the
process exits 0. Only a broken invocation exits non-zero.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

# Before minisweagent is imported: no banner, no global config in the user's home, cost
# tracking off (a local model has no price), few retries against one local server.
os.environ.setdefault("MSWEA_SILENT_STARTUP", "1")
os.environ.setdefault("MSWEA_GLOBAL_CONFIG_DIR", str(Path(sys.prefix) / "mswea-config"))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("MSWEA_COST_TRACKING", "ignore_errors")
os.environ.setdefault("MSWEA_MODEL_RETRY_STOP_AFTER_ATTEMPT", "2")

CONFIG_NAME = "swebench_backticks.yaml"
IMAGE = "compilot-sandbox:0.1.0"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          check=True).stdout


def clone(repo: Path, base: str, dest: Path) -> Path:
    """A throwaway clone of repo at base (the agent never touches the task repository)."""
    if dest.exists():
        subprocess.run(["rm", "-rf", str(dest)], check=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "-q", str(repo), str(dest)], check=True)
    git(dest, "checkout", "-q", base)
    return dest


def final_diff(clone_dir: Path, base: str) -> str:
    try:
        return git(clone_dir, "diff", base)
    except subprocess.CalledProcessError:
        return ""  # an unreadable tree counts as an empty patch


def load_config(minisweagent_pkg: Path) -> dict[str, Any]:
    import yaml

    path = minisweagent_pkg / "config" / "benchmarks" / CONFIG_NAME
    return yaml.safe_load(path.read_text())


def build_agent(args: argparse.Namespace, clone_dir: Path, traj: Path):  # type: ignore[no-untyped-def]
    import minisweagent
    from minisweagent.agents.default import DefaultAgent
    from minisweagent.environments.docker import DockerEnvironment
    from minisweagent.models.litellm_textbased_model import LitellmTextbasedModel

    config = load_config(Path(minisweagent.__file__).parent)
    model_cfg = dict(config["model"])
    model_cfg.update(
        model_name=args.model, cost_tracking="ignore_errors",
        model_kwargs={**model_cfg.get("model_kwargs", {}), "api_base": args.api_base,
                      "api_key": args.api_key, "max_tokens": args.max_tokens,
                      "timeout": args.request_timeout})
    if args.temperature is not None:
        model_cfg["model_kwargs"]["temperature"] = args.temperature
    env_cfg = {k: v for k, v in config["environment"].items() if k != "environment_class"}
    env_cfg.update(
        image=args.image, cwd="/testbed", timeout=args.command_timeout,
        container_timeout=f"{int(args.wall_time) + 900}s",
        env={**env_cfg.get("env", {}), "HOME": "/tmp"},
        run_args=["--rm", "--network", "none", "--memory", "2g", "--pids-limit", "512",
                  "--user", f"{os.getuid()}:{os.getgid()}", "--label", args.label,
                  "-v", f"{clone_dir}:/testbed"])
    agent_cfg = dict(config["agent"])
    agent_cfg.update(step_limit=args.step_limit, cost_limit=0.0,
                     wall_time_limit_seconds=int(args.wall_time), output_path=traj)
    model = LitellmTextbasedModel(**model_cfg)
    env = DockerEnvironment(**env_cfg)
    return DefaultAgent(model, env, **agent_cfg), env


def usage_totals(messages: list[dict[str, Any]]) -> dict[str, int]:
    """Prompt and completion tokens summed over every model response in the trajectory
    (replies that failed to parse carry their response too)."""
    prompt = completion = 0
    for msg in messages:
        response = (msg.get("extra") or {}).get("response")
        usage = response.get("usage") if isinstance(response, dict) else None
        if isinstance(usage, dict):
            prompt += int(usage.get("prompt_tokens") or 0)
            completion += int(usage.get("completion_tokens") or 0)
    return {"prompt_tokens": prompt, "completion_tokens": completion,
            "tokens": prompt + completion}


def format_errors(messages: list[dict[str, Any]]) -> int:
    return sum((m.get("extra") or {}).get("interrupt_type") == "FormatError" for m in messages)


def run(args: argparse.Namespace) -> dict[str, Any]:
    start = time.time()
    clone_dir = clone(args.repo, args.base_commit, args.workdir / "repo")
    traj = args.workdir / "trajectory.json"
    issue = args.issue_file.read_text()
    result: dict[str, Any] = {"method": "mini-swe-agent", "model": args.model,
                              "step_limit": args.step_limit, "wall_time_limit_s": args.wall_time}
    agent = env = None
    try:
        agent, env = build_agent(args, clone_dir, traj)
        info = agent.run(issue)
        result["exit_status"] = info.get("exit_status", "")
    except BaseException as exc:  # the agent's failure is a result, not a crash
        result["exit_status"] = type(exc).__name__
        result["error"] = f"{exc}"[:2000]
        result["traceback"] = traceback.format_exc()[-3000:]
    finally:
        if env is not None:
            env.cleanup()
    messages = agent.messages if agent is not None else []
    result.update(
        steps=agent.n_calls if agent is not None else 0,
        format_errors=format_errors(messages), **usage_totals(messages),
        seconds=round(time.time() - start, 2), trajectory=str(traj),
        model_patch=final_diff(clone_dir, args.base_commit))
    return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repo", type=Path, required=True, help="task repository (left untouched)")
    p.add_argument("--base-commit", required=True)
    p.add_argument("--issue-file", type=Path, required=True, help="the problem statement")
    p.add_argument("--workdir", type=Path, required=True, help="clone + trajectory go here")
    p.add_argument("--out", type=Path, required=True, help="result JSON")
    p.add_argument("--model", required=True, help="litellm model, e.g. openai/qwen2.5-coder-0.5b")
    p.add_argument("--api-base", required=True, help="e.g. http://127.0.0.1:PORT/v1")
    p.add_argument("--api-key", default="sk-local")
    p.add_argument("--step-limit", type=int, default=12, help="model calls (FixLimits.max_steps)")
    p.add_argument("--wall-time", type=float, default=1800.0,
                   help="no new model call after this many seconds (FixLimits.wall_time_s)")
    p.add_argument("--max-tokens", type=int, default=1024, help="per reply (compilot's default)")
    p.add_argument("--temperature", type=float, default=None, help="default: the server's")
    p.add_argument("--request-timeout", type=float, default=600.0)
    p.add_argument("--command-timeout", type=int, default=120,
                   help="one shell command (FixLimits.test_timeout_s)")
    p.add_argument("--image", default=IMAGE)
    p.add_argument("--label", default="compilot-fix-suite-peer=1",
                   help="docker label KEY=VALUE of the container, so a killed run's is found")
    args = p.parse_args(argv)
    args.workdir = args.workdir.resolve()
    return args


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # run.py stops an overdue run with SIGTERM: unwind so the container is removed.
    signal.signal(signal.SIGTERM, _interrupt)
    result = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items()
                      if k not in ("model_patch", "traceback")}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
