"""Throughput of the bundled models behind the local llama.cpp server.

For each model: assemble the weights (once), start a private server, warm up once, then stream
a few coding prompts and measure time to first token (TTFT), decode speed and prompt speed.

- decode tokens/s = (completion tokens - 1) / (last token - first token): the first token's
  time belongs to prompt processing, so it is not counted as decoded in that window;
- prompt tokens/s = prompt tokens / TTFT (TTFT is dominated by prompt evaluation);
- completion tokens = streamed content chunks (llama-cpp-python sends one per token);
  prompt tokens come from ``usage`` of a one-token call on the same prompt made afterwards.

With ``--draft-tokens 0 16`` every model is measured without and with prompt-lookup drafts
(the server's ``draft_tokens``), side by side; the first prompt is a code repair, an answer
that copies most of its input.

Usage: python benchmarks/model_throughput.py [--models qwen2.5-coder-0.5b] [--prompts 3]
       [--max-tokens 128] [--draft-tokens 0 16] [--out benchmarks/results/model_throughput.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from compilot.config import default_home
from compilot.llm.bundled import BUNDLED_MODELS, ensure_bundled
from compilot.llm.config import ServerConfig
from compilot.llm.server import LocalServer, ServerState

REPAIR = ("This function should return the running maxima of xs but returns zeros. Reply with "
          "the whole fixed function in one code block.\n```python\ndef running_max(xs):\n"
          "    \"\"\"Return the list of running maxima of xs.\n\n    >>> running_max([1, 3, 2])\n"
          "    [1, 3, 3]\n    \"\"\"\n    out = []\n    best = 0\n    for x in xs:\n"
          "        if x < best:\n            best = x\n        out.append(best)\n"
          "    return out\n```")
PROMPTS = [
    REPAIR,  # an answer that copies its input: where speculative drafts pay
    "Write a Python function `is_prime(n)` with a docstring and explain its complexity.",
    "Write a Python class `LRUCache` with get and put methods in O(1), using OrderedDict.",
    "Explain what this does and fix the bug:\n\ndef mean(xs):\n    return sum(xs) / len(xs) - 1\n",
    "Write a pytest test module for a function `slugify(text)` covering edge cases.",
    "Write a bash one-liner that finds the 10 largest files under the current directory.",
]
DEFAULT_OUT = Path(__file__).parent / "results" / "model_throughput.json"


def stream_once(client: httpx.Client, state: ServerState, prompt: str,
                max_tokens: int) -> dict[str, Any]:
    body = {"model": state.alias, "max_tokens": max_tokens, "temperature": 0.0, "stream": True,
            "messages": [{"role": "user", "content": prompt}]}
    start = time.perf_counter()
    first = end = 0.0
    chunks = 0
    with client.stream("POST", f"{state.base_url}/chat/completions", json=body) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            delta = json.loads(line[6:])["choices"][0].get("delta", {})
            if delta.get("content"):
                end = time.perf_counter()
                first = first or end
                chunks += 1
    ttft = first - start
    decode_s = end - first
    prompt_tokens = _prompt_tokens(client, state, prompt)
    return {
        "prompt_tokens": prompt_tokens, "completion_tokens": chunks, "ttft_s": round(ttft, 4),
        "total_s": round(end - start, 4),
        "decode_tokens_per_s": round((chunks - 1) / decode_s, 2) if decode_s > 0 else None,
        "prompt_tokens_per_s": round(prompt_tokens / ttft, 2) if ttft > 0 else None,
    }


def _prompt_tokens(client: httpx.Client, state: ServerState, prompt: str) -> int:
    body = {"model": state.alias, "max_tokens": 1, "temperature": 0.0,
            "messages": [{"role": "user", "content": prompt}]}
    response = client.post(f"{state.base_url}/chat/completions", json=body)
    response.raise_for_status()
    return int(response.json()["usage"]["prompt_tokens"])


def bench_model(name: str, home: Path, n_prompts: int, max_tokens: int,
                config: ServerConfig) -> dict[str, Any]:
    t0 = time.perf_counter()
    path = ensure_bundled(name, home, progress=True)
    assemble_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="compilot-bench-") as server_home:
        server = LocalServer(Path(server_home), config)
        t0 = time.perf_counter()
        state = server.ensure(path, alias=name)
        startup_s = time.perf_counter() - t0
        try:
            with httpx.Client(timeout=600) as client:
                stream_once(client, state, "Say hi.", 8)  # warm-up
                runs = [stream_once(client, state, p, max_tokens) for p in PROMPTS[:n_prompts]]
        finally:
            server.stop()
    return {"model": name, "draft_tokens": config.draft_tokens,
            "file_bytes": path.stat().st_size, "n_ctx": config.n_ctx,
            "n_threads": config.n_threads or os.cpu_count(), "load_avg": os.getloadavg()[0],
            "max_tokens": max_tokens, "ensure_weights_s": round(assemble_s, 2),
            "server_startup_s": round(startup_s, 2), "runs": runs, "summary": _summary(runs)}


def _summary(runs: list[dict[str, Any]]) -> dict[str, float | None]:
    def median(key: str) -> float | None:
        values = [r[key] for r in runs if r[key] is not None]
        return round(statistics.median(values), 3) if values else None

    return {key: median(key) for key in
            ("ttft_s", "decode_tokens_per_s", "prompt_tokens_per_s", "completion_tokens")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=sorted(BUNDLED_MODELS),
                        choices=sorted(BUNDLED_MODELS))
    parser.add_argument("--prompts", "--limit", dest="prompts", type=int, default=3,
                        help=f"number of prompts (max {len(PROMPTS)})")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--n-ctx", type=int, default=4096)
    parser.add_argument("--n-threads", type=int, default=None, help="default: all cores")
    parser.add_argument("--draft-tokens", type=int, nargs="+",
                        default=[ServerConfig().draft_tokens],
                        help="speculative draft sizes to compare (0: none)")
    parser.add_argument("--home", type=Path,
                        default=Path(os.environ.get("COMPILOT_HOME") or default_home()),
                        help="where the weights are cached (COMPILOT_HOME)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    results = [bench_model(m, args.home, args.prompts, args.max_tokens,
                           ServerConfig(n_ctx=args.n_ctx, n_threads=args.n_threads,
                                        draft_tokens=draft))
               for m in args.models for draft in args.draft_tokens]
    report = {"benchmark": "model_throughput", "machine": _machine(), "results": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    for r in results:
        s = r["summary"]
        repair = r["runs"][0]["decode_tokens_per_s"]
        print(f"{r['model']} (drafts {r['draft_tokens']}): repair decode {repair} tok/s; "
              f"median decode {s['decode_tokens_per_s']} tok/s, prompt "
              f"{s['prompt_tokens_per_s']} tok/s, TTFT {s['ttft_s']} s (median of "
              f"{len(r['runs'])} prompts, {r['max_tokens']} max tokens, "
              f"{r['n_threads']} threads, startup {r['server_startup_s']} s, "
              f"load avg {r['load_avg']:.1f})")
    print(f"wrote {args.out}")
    return 0


def _machine() -> dict[str, Any]:
    import llama_cpp

    return {"platform": platform.platform(), "python": platform.python_version(),
            "cpus": os.cpu_count(), "llama_cpp_python": llama_cpp.__version__,
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


if __name__ == "__main__":
    raise SystemExit(main())
