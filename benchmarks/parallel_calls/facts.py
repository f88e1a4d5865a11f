"""Country facts from the ``countryinfo`` PyPI package (its shipped JSON files), the one
source both the question generator and the ``search`` tool read, so answers are exact."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

FIELDS = ("population", "area", "capital", "region", "borders")


@functools.cache
def countries() -> dict[str, dict[str, Any]]:
    """Country name -> {population, area, capital, region, borders (names)}; only countries
    with every fact present."""
    import countryinfo

    raw = [json.loads(p.read_text(encoding="utf-8"))
           for p in sorted((Path(countryinfo.__file__).parent / "data").glob("*.json"))]
    by_iso = {r.get("ISO", {}).get("alpha3"): r.get("name") for r in raw}
    out: dict[str, dict[str, Any]] = {}
    for r in raw:
        name, pop, area, capital = r.get("name"), r.get("population"), r.get("area"), \
            r.get("capital")
        if not (name and isinstance(pop, int) and pop > 0 and isinstance(area, int | float)
                and area > 0 and capital and r.get("region")):
            continue
        out[name] = {"population": pop, "area": area, "capital": capital,
                     "region": r["region"],
                     "borders": [by_iso[c] for c in r.get("borders", []) if by_iso.get(c)]}
    for facts in out.values():  # keep only neighbours we know everything about
        facts["borders"] = [b for b in facts["borders"] if b in out]
    return out


def lookup(country: str, field: str) -> Any:
    """One fact; unknown names raise ``KeyError`` with close matches (an observation)."""
    data = countries()
    key = {n.lower(): n for n in data}.get(country.strip().lower())
    if key is None:
        import difflib

        close = difflib.get_close_matches(country, list(data), n=3)
        raise KeyError(f"unknown country {country!r}" +
                       (f"; did you mean {', '.join(close)}?" if close else ""))
    if field not in FIELDS:
        raise KeyError(f"unknown field {field!r}; fields: {', '.join(FIELDS)}")
    return data[key][field]
