"""Choosing which block visits the model sees: the divergence point, not just the ends."""

from __future__ import annotations

from compilot.agents.debugger.select import Gap, divergence, result_variable, select_visits
from compilot.agents.debugger.trace import BlockVisit


def loop_trace(values: list[object], name: str = "acc") -> list[BlockVisit]:
    """entry, then (header, body) per value, then the return block."""
    visits: list[BlockVisit] = []
    state: dict[str, str] = {name: repr(type(values[0])() if values else 0)}

    def add(block: int, after: dict[str, str], returned: str | None = None) -> None:
        before = visits[-1].after if visits else {}
        visits.append(BlockVisit(len(visits), block, 0, block + 1, before, after, returned))

    add(0, dict(state))
    for value in values:
        add(1, dict(state))
        state = {name: repr(value)}
        add(2, dict(state))
    add(3, dict(state), returned=state[name])
    return visits


def shown_indices(items: list[object]) -> list[int]:
    return [i.index for i in items if isinstance(i, BlockVisit)]


def test_short_traces_are_shown_whole() -> None:
    visits = loop_trace([[1], [1, 2]])
    assert select_visits(visits, 10) == visits


def test_divergence_of_a_list_result_is_shown_with_its_predecessor() -> None:
    grown = [[1], [1, 2], [1, 2, 3], [1, 2, 3, 5], [1, 2, 3, 5, 8], [1, 2, 3, 5, 8, 13],
             [1, 2, 3, 5, 8, 13, 21], [1, 2, 3, 5, 8, 13, 21, 34]]
    visits = loop_trace(grown)
    expected = repr([1, 2, 3, 4, 5, 6, 7, 8])
    assert result_variable(visits) == "acc"
    point = divergence(visits, expected)
    assert point == 8 and visits[8].after["acc"] == "[1, 2, 3, 5]"
    items = select_visits(visits, 6, expected)
    assert {7, 8} <= set(shown_indices(items))
    assert shown_indices(items)[-1] == len(visits) - 1
    assert len(shown_indices(items)) == 6
    gaps = [i for i in items if isinstance(i, Gap)]
    assert sum(g.count for g in gaps) == len(visits) - 6
    assert "omitted" in gaps[0].describe()


def test_divergence_of_a_rising_number_is_where_it_passes_the_expected_value() -> None:
    visits = loop_trace([1, 3, 6, 10, 15, 21, 28, 36, 45])
    point = divergence(visits, "12")
    assert visits[point].after["acc"] == "15"


def test_string_results_use_prefixes_and_unknown_values_fall_back() -> None:
    visits = loop_trace(["a", "ab", "abd", "abde"])
    assert visits[divergence(visits, "'abcd'")].after["acc"] == "'abd'"
    assert divergence(visits, "some_call()") is None  # no literal expected value


def test_an_exception_visit_is_always_shown() -> None:
    visits = loop_trace(list(range(1, 30)))
    boom = BlockVisit(10, 2, 0, 3, visits[10].before, visits[10].after, exception="KeyError: 3")
    visits[10] = boom
    items = select_visits(visits, 4)
    assert 10 in shown_indices(items)
