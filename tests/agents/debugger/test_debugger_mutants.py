"""Single-operator mutants: one change each, deterministic, and really different."""

from __future__ import annotations

import ast

from compilot.agents.debugger.mutants import mutants, sample_mutants

SOURCE = '''def count_big(xs, limit):
    """Count items above limit."""
    n = 0
    for x in xs:
        if x > limit and x != 0:
            n += 1
    return n
'''


def test_every_mutant_changes_one_operator_and_parses() -> None:
    found = mutants(SOURCE, "count_big")
    kinds = {m.description for m in found}
    assert {"Gt -> GtE", "NotEq -> Eq", "And -> Or", "Add -> Sub", "constant 0 -> 1",
            "constant 1 -> 2", "constant 1 -> 0", "constant 0 -> -1"} <= kinds
    original = ast.unparse(ast.parse(SOURCE))
    for m in found:
        ast.parse(m.source)
        assert m.source != original
        assert '"""Count items above limit."""' in m.source
    assert len({m.source for m in found}) == len(found)


def test_sampling_is_deterministic_per_seed() -> None:
    a = sample_mutants(SOURCE, "count_big", 3, seed=7)
    b = sample_mutants(SOURCE, "count_big", 3, seed=7)
    assert [m.source for m in a] == [m.source for m in b] and len(a) == 3
    everything = sample_mutants(SOURCE, "count_big", 100, seed=1)
    assert len(everything) == len(mutants(SOURCE, "count_big"))
