"""Sandbox latency: create-to-first-exec, warm exec p50/p95, pool acquire, vs the docker CLI.

Usage: python benchmarks/sandbox_latency.py [--runs N] [--out FILE]
Writes a JSON result (default benchmarks/results/sandbox_latency.json) and prints a summary
line. The CLI's `docker exec` into the same container is measured in the same run as the
reference. Targets: warm exec p50 <= CLI p50; pool acquire < 20 ms.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from compilot.sandboxes import engine
from compilot.sandboxes.config import SandboxConfig
from compilot.sandboxes.docker_sandbox import DockerSandbox
from compilot.sandboxes.image import build_image
from compilot.sandboxes.pool import SandboxPool


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered) * 1e3, 2),
            "p95_ms": round(p95 * 1e3, 2), "n": len(ordered)}


def _paired(a: Callable[[], object], b: Callable[[], object], runs: int,
            ) -> tuple[list[float], list[float]]:
    """Time ``a`` and ``b`` interleaved (alternating which goes first), so the load of this
    noisy machine falls on both alike and their ratio is meaningful."""
    a(), b()  # warm-up
    out_a: list[float] = []
    out_b: list[float] = []
    for i in range(runs):
        order = ((a, out_a), (b, out_b)) if i % 2 == 0 else ((b, out_b), (a, out_a))
        for fn, out in order:
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return out_a, out_b


def _create_to_first_exec(config: SandboxConfig, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        with DockerSandbox(config) as box:
            box.exec("true")
            out.append(time.perf_counter() - start)
    return out


def _pool_acquire(config: SandboxConfig, runs: int) -> list[float]:
    out = []
    with SandboxPool(config, size=2) as pool:
        for _ in range(runs):
            pool.wait_ready(timeout=120)
            start = time.perf_counter()
            box = pool.acquire()
            out.append(time.perf_counter() - start)
            box.close()
    return out


def measure(runs: int) -> dict[str, object]:
    config = SandboxConfig()
    build_image()
    result: dict[str, object] = {"runs": runs, "host": platform.node(),
                                 "docker": engine.client().version().get("Version")}
    result["create_to_first_exec"] = _ms(_create_to_first_exec(config, max(runs // 5, 3)))
    with DockerSandbox(config) as box:
        cid = box.container_id
        for name, argv in (("true", ["true"]), ("python_pass", ["python", "-c", "pass"])):
            ours, cli = _paired(
                lambda argv=argv: box.exec(argv),
                lambda argv=argv: subprocess.run(["docker", "exec", cid, *argv], check=True),
                runs)
            result[f"exec_{name}"], result[f"cli_exec_{name}"] = _ms(ours), _ms(cli)
            result[f"exec_{name}_ratio_vs_cli"] = round(
                statistics.median(ours) / statistics.median(cli), 3)
    result["pool_acquire"] = _ms(_pool_acquire(config, max(runs // 5, 5)))
    return result


def summary(r: dict[str, object]) -> str:
    def p50(key: str) -> float:
        return r[key]["p50_ms"]  # type: ignore[index]

    ok = p50("exec_true") <= p50("cli_exec_true") and p50("pool_acquire") < 20
    return (f"sandbox_latency: create->first exec {p50('create_to_first_exec'):.0f} ms; "
            f"exec true p50 {p50('exec_true'):.1f} ms (CLI {p50('cli_exec_true'):.1f}); "
            f"python -c pass p50 {p50('exec_python_pass'):.1f} ms "
            f"(CLI {p50('cli_exec_python_pass'):.1f}); pool acquire p50 "
            f"{p50('pool_acquire'):.2f} ms; targets {'met' if ok else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).parent / "results" / "sandbox_latency.json")
    args = parser.parse_args()
    result = measure(args.runs)
    result["summary"] = summary(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(result["summary"])


if __name__ == "__main__":
    main()
