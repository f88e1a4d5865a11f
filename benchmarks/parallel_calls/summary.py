"""Per method x question type: accuracy, mean wall time, model calls, tokens; speedup vs
ReAct on the questions both answered (same questions, so the means compare)."""

from __future__ import annotations

from collections import defaultdict
from statistics import mean
from typing import Any

TYPES = ("fanout-2", "fanout-4", "fanout-8", "dependent-2hop", "math")


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    by: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in runs:
        by[(r["method"], r["type"])].append(r)
        by[(r["method"], "all")].append(r)
    react = {(r["type"], r["id"]): r["wall_s"] for r in runs if r["method"] == "react"}
    react_right = {(r["type"], r["id"]) for r in runs if r["method"] == "react" and r["correct"]}
    out: dict[str, Any] = {}
    for (method, qtype), rows in sorted(by.items()):
        paired = [(react[(r["type"], r["id"])], r["wall_s"]) for r in rows
                  if (r["type"], r["id"]) in react]
        # ReAct is fast when it stops early with a wrong guess: also compare where both are right
        both = [(react[(r["type"], r["id"])], r["wall_s"]) for r in rows
                if r["correct"] and (r["type"], r["id"]) in react_right]
        out[f"{method}/{qtype}"] = {
            "method": method, "type": qtype, "n": len(rows),
            "accuracy": round(sum(r["correct"] for r in rows) / len(rows), 3),
            "wall_s": round(mean(r["wall_s"] for r in rows), 2),
            "model_calls": round(mean(r.get("model_calls") or 0 for r in rows), 2),
            "tokens": round(mean(r.get("tokens") or 0 for r in rows)),
            "errors": sum(1 for r in rows if r.get("error")),
            "speedup_vs_react": _ratio(paired),
            "speedup_vs_react_both_right": _ratio(both), "both_right": len(both)}
    return out


def _ratio(pairs: list[tuple[float, float]]) -> float | None:
    return round(sum(a for a, _ in pairs) / sum(b for _, b in pairs), 2) if pairs else None


def render(table: dict[str, Any]) -> str:
    head = (f"{'method':16s} {'type':15s} {'n':>3s} {'acc':>5s} {'wall_s':>7s} {'calls':>6s} "
            f"{'tokens':>7s} {'err':>4s} {'x react':>7s} {'x react, both right':>19s}")
    lines = [head, "-" * len(head)]
    for row in table.values():
        sp = "" if row["speedup_vs_react"] is None else f"{row['speedup_vs_react']:.2f}"
        ratio = row.get("speedup_vs_react_both_right")
        both = "" if ratio is None else f"{ratio:.2f} (n={row['both_right']})"
        lines.append(f"{row['method']:16s} {row['type']:15s} {row['n']:3d} "
                     f"{row['accuracy']:5.2f} {row['wall_s']:7.1f} {row['model_calls']:6.1f} "
                     f"{row['tokens']:7d} {row['errors']:4d} {sp:>7s} {both:>19s}")
    return "\n".join(lines)
