"""Tracing correctness: block sequences and the values at each block boundary, run for real."""

from __future__ import annotations

import textwrap

from compilot.agents.debugger.blocks import build_blocks
from compilot.agents.debugger.trace import TraceConfig, run_program
from compilot.agents.debugger.tracer_script import safe_repr, snapshot
from compilot.sandboxes.base import Sandbox

FAST = TraceConfig(test_timeout_s=1.0)


def trace(sandbox: Sandbox, code: str, tests: list[str], name: str = "f", **cfg: object):
    src = textwrap.dedent(code)
    config = FAST.model_copy(update=cfg) if cfg else FAST
    return run_program(sandbox, src, tests, blocks=build_blocks(src, name), config=config)


def test_values_at_each_block_boundary_of_a_loop(sandbox: Sandbox) -> None:
    report = trace(sandbox, """
        def f(xs):
            total = 0
            for x in xs:
                if x > 1:
                    total += x
            return total
        """, ["assert f([1, 2, 3]) == 5", "assert f([5]) == 4"])
    assert [t.passed for t in report.tests] == [True, False]
    assert report.traced_test == "assert f([5]) == 4"
    assert [(v.block, dict(v.after)) for v in report.visits] == [
        (0, {"xs": "[5]", "total": "0"}),
        (1, {"xs": "[5]", "total": "0", "x": "5"}),
        (2, {"xs": "[5]", "total": "0", "x": "5"}),
        (3, {"xs": "[5]", "total": "5", "x": "5"}),
        (1, {"xs": "[5]", "total": "5", "x": "5"}),
        (4, {"xs": "[5]", "total": "5", "x": "5"}),
    ]
    assert report.visits[0].before == {"xs": "[5]"}
    assert report.visits[-1].returned == "5"
    failing = report.tests[1]
    assert (failing.actual, failing.expected) == ("5", "4")


def test_exception_recursion_and_prints(sandbox: Sandbox) -> None:
    report = trace(sandbox, """
        def f(n):
            print("noise", n)
            if n == 0:
                return 1 // n
            return f(n - 1)
        """, ["assert f(1) == 1"])
    outcome = report.tests[0]
    assert not outcome.passed and outcome.error.startswith("ZeroDivisionError")
    assert "noise 1" in report.stdout  # program output captured, JSON intact
    calls = [(v.call, v.block) for v in report.visits]
    assert calls == [(0, 0), (1, 0), (1, 1), (0, 2)]
    raising = report.visits[2]
    assert raising.exception is not None and "division" in raising.exception
    assert raising.returned == "<raised>"


def test_infinite_loop_fails_only_that_test(sandbox: Sandbox) -> None:
    report = trace(sandbox, """
        def f(n):
            while n != 0:
                n -= 2
            return n
        """, ["assert f(3) == 0", "assert f(2) == 0"], max_events=20)
    first, second = report.tests
    assert first.timed_out and not first.passed
    assert second.passed
    assert report.truncated and report.total_visits > len(report.visits)
    assert report.visits[-1].index == report.total_visits - 1  # the rolling tail is kept


def test_syntax_error_and_missing_output(sandbox: Sandbox) -> None:
    report = run_program(sandbox, "def f(:\n", ["assert f() == 1"], config=FAST)
    assert report.load_error and "SyntaxError" in report.load_error
    assert not report.tests[0].passed
    killer = "import os\nos._exit(3)\n"
    report = run_program(sandbox, killer, ["assert True"], config=FAST)
    assert "exited 3" in (report.tests[0].error or "")


def test_non_assert_tests_and_no_tracing(sandbox: Sandbox) -> None:
    src = "def f(a):\n    return a * 2\n"
    report = run_program(sandbox, src, ["x = f(2)\nassert x == 4", "assert f(1) > 5"],
                         config=FAST)
    assert [t.passed for t in report.tests] == [True, False]
    assert report.visits == () and report.passed == 1


def test_safe_repr_truncates_and_survives_broken_repr() -> None:
    class Bad:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert "Bad" in safe_repr(Bad())  # a failing __repr__ is data, not a crash
    text = safe_repr(list(range(10_000)), limit=50)
    assert len(text) == 50 and text.endswith("...")
    assert snapshot({"__x": 1, "a": "s", "os": __import__("os")}, 20) == {"a": "'s'"}


def test_rendered_trace_shows_changes_only_without_docstring_or_functions(
        sandbox: Sandbox) -> None:
    from compilot.agents.debugger.prompts import render_trace
    from compilot.agents.debugger.select import select_visits

    src = textwrap.dedent('''
        def f(xs):
            """Sum the values above one."""
            def big(x):
                return x > 1
            total = 0
            for x in xs:
                if big(x):
                    total += x
            return total
        ''')
    blocks = build_blocks(src, "f")
    report = run_program(sandbox, src, ["assert f([5]) == 4"], blocks=blocks, config=FAST)
    text = render_trace(select_visits(report.visits, 10), blocks, src)
    assert "Sum the values" not in text and "<function" not in text
    assert "before: xs=[5]" in text and text.count("before:") == 1
    assert "changed: total=0" in text and "changed: x=5" in text
    assert "changed: total=5" in text and "returned: 5" in text
