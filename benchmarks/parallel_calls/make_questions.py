"""Generate ``questions.jsonl`` deterministically (seeded) from the countryinfo facts.

Types: ``fanout-2`` / ``fanout-4`` / ``fanout-8`` (which of N countries has the largest or
smallest population or area: N independent searches), ``dependent-2hop`` (the capital of the
most populous neighbour of X: borders, then the neighbours, then a capital) and ``math``
(population density, or a combined area: searches then arithmetic).
Usage: ``python make_questions.py [--per-type 10] [--seed 7]``.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

from facts import countries

HERE = Path(__file__).parent
WORD = {"population": ("population", "largest", "smallest"),
        "area": ("area", "largest", "smallest")}


def _pool(min_pop: int = 1_000_000) -> list[str]:
    return sorted(n for n, f in countries().items() if f["population"] >= min_pop)


def _distinct(names: list[str], field: str, gap: float = 0.03) -> bool:
    """No near-ties: the values differ by at least ``gap`` (relative) pairwise."""
    vals = sorted(countries()[n][field] for n in names)
    return all(b > a * (1 + gap) for a, b in zip(vals, vals[1:], strict=False))


def fanout(rng: random.Random, n: int) -> dict[str, Any]:
    pool, data = _pool(), countries()
    while True:
        names = rng.sample(pool, n)
        field = rng.choice(["population", "area"])
        if _distinct(names, field):
            break
    word, big, small = WORD[field]
    most = rng.random() < 0.7
    pick = max if most else min
    answer = pick(names, key=lambda c: data[c][field])
    listed = ", ".join(names[:-1]) + (" or " if n == 2 else ", or ") + names[-1]
    if n == 2:
        text = f"Which country has the {'larger' if most else 'smaller'} {word}: {listed}?"
    else:
        text = (f"Which of these {n} countries has the {big if most else small} {word}: "
                f"{listed}?")
    return {"type": f"fanout-{n}", "question": text, "answer": answer, "kind": "name",
            "options": names}


def dependent(rng: random.Random) -> dict[str, Any]:
    data = countries()
    pool = [c for c in _pool() if 2 <= len(data[c]["borders"]) <= 3
            and _distinct(data[c]["borders"], "population")]
    country = rng.choice(pool)
    neighbour = max(data[country]["borders"], key=lambda c: data[c]["population"])
    return {"type": "dependent-2hop", "kind": "name",
            "question": f"What is the capital of the most populous country that borders "
                        f"{country}?",
            "answer": data[neighbour]["capital"],
            "options": [data[c]["capital"] for c in data[country]["borders"]]}


def arithmetic(rng: random.Random) -> dict[str, Any]:
    data, pool = countries(), _pool()
    if rng.random() < 0.5:
        c = rng.choice(pool)
        value = data[c]["population"] / data[c]["area"]
        text = (f"What is the population density of {c} in people per km2 (population "
                f"divided by area)?")
    else:
        names = rng.sample(pool, 3)
        value = sum(data[n]["area"] for n in names)
        text = f"What is the combined area in km2 of {names[0]}, {names[1]} and {names[2]}?"
    return {"type": "math", "question": text, "answer": round(value, 2), "kind": "number"}


def generate(per_type: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    makers = [lambda: fanout(rng, 2), lambda: fanout(rng, 4), lambda: fanout(rng, 8),
              lambda: dependent(rng), lambda: arithmetic(rng)]
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for _ in range(per_type):  # interleaved: --limit N keeps every type represented
        for make in makers:
            q = make()
            while q["question"] in seen:
                q = make()
            seen.add(q["question"])
            out.append({"id": f"q{len(out) + 1:03d}", **q})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-type", type=int, default=10)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=HERE / "questions.jsonl")
    args = ap.parse_args()
    rows = generate(args.per_type, args.seed)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    print(f"{len(rows)} questions -> {args.out}")


if __name__ == "__main__":
    main()
