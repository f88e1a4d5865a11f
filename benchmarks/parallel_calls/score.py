"""Normalised exact match: names case- and accent-insensitive (and no other option named),
numbers within a relative tolerance."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

TOLERANCE = 0.01


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9 ]", " ", text.lower())
    return " ".join(w for w in text.split() if w != "the")


def numbers(text: str) -> list[float]:
    cleaned = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    return [float(m) for m in re.findall(r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?", cleaned)]


_CALL_RE = re.compile(r'"(?:name|tool|action)"\s*:\s*"(?:search|math)"')


def _unexecuted_call(answer: str) -> bool:
    """An agent that stops on a tool call written as text has not answered, even when the
    call's arguments happen to name the right country or number."""
    return bool(_CALL_RE.search(answer))


def correct(question: dict[str, Any], answer: str | None) -> bool:
    if not answer or _unexecuted_call(answer):
        return False
    expected = question["answer"]
    if question["kind"] == "number":
        return any(abs(v - expected) <= TOLERANCE * abs(expected) for v in numbers(answer))
    got, want = f" {norm(answer)} ", norm(str(expected))
    if got.strip() == want:
        return True
    others = [norm(o) for o in question.get("options", []) if norm(o) != want]
    return f" {want} " in got and not any(f" {o} " in got for o in others if o not in want)
