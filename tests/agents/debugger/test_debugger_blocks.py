"""Basic-block splitting on tricky control flow."""

from __future__ import annotations

import textwrap

import pytest

from compilot.agents.debugger.blocks import BlockMap, build_blocks


def blocks_of(code: str, name: str = "f") -> BlockMap:
    return build_blocks(textwrap.dedent(code), name)


def line_groups(bm: BlockMap) -> list[list[int]]:
    return [b.lines() for b in bm.blocks]


def test_if_elif_else_splits_condition_and_branches() -> None:
    bm = blocks_of("""
        def f(x):
            y = x + 1
            if y > 3:
                return 1
            elif y > 1:
                y = 2
            else:
                y = 3
            return y
        """)
    assert line_groups(bm) == [[3, 4], [5], [6], [7], [9], [10]]
    kinds = [b.kind for b in bm.blocks]
    assert kinds == ["entry", "if-true", "elif", "if-true", "else", "after-if"]
    entry, then = bm.blocks[0], bm.blocks[1]
    assert set(entry.successors) == {1, 2}
    assert then.successors == ()  # return leaves the function


def test_loops_with_break_continue_and_else() -> None:
    bm = blocks_of("""
        def f(xs):
            for x in xs:
                if x < 0:
                    continue
                if x > 9:
                    break
                print(x)
            else:
                return None
            while xs:
                xs = xs[1:]
            return xs
        """)
    by_line = bm.line_map()
    header = bm[by_line[3]]
    assert header.kind == "loop-header"
    cont = bm[by_line[5]]
    brk = bm[by_line[7]]
    assert header.id in cont.successors  # continue jumps back to the header
    assert by_line[11] in brk.successors  # break jumps past the else, to the while
    assert bm[by_line[10]].kind == "loop-else"
    assert bm[by_line[11]].kind == "loop-header"
    assert by_line[11] in bm[by_line[12]].successors  # while body loops back
    assert len({by_line[n] for n in (3, 4, 5, 6, 7, 8, 10, 11, 12, 13)}) == 10


def test_try_except_finally_and_with() -> None:
    bm = blocks_of("""
        def f(path):
            try:
                data = open(path).read()
            except (OSError,
                    ValueError) as exc:
                data = str(exc)
            else:
                data = data.strip()
            finally:
                done = True
            with open(path) as fh:
                first = fh.readline()
            return data
        """)
    by_line = bm.line_map()
    assert by_line[3] == by_line[4]  # the try line starts the try body's block
    assert by_line[5] == by_line[6] == by_line[7]  # multi-line handler header + body
    kinds = {bm[by_line[n]].kind for n in (3, 5, 9, 11, 12, 13)}
    assert kinds == {"try", "except", "try-else", "finally", "with", "with-body"}
    assert by_line[14] != by_line[13]


def test_comprehensions_and_lambdas_get_their_own_block() -> None:
    bm = blocks_of("""
        def f(xs):
            n = len(xs)
            squares = [x * x for x in xs
                       if x > 0]
            key = lambda v: -v
            return sorted(squares, key=key)[:n]
        """)
    assert line_groups(bm) == [[3], [4, 5], [6], [7]]


def test_generator_yield_ends_a_block_and_nested_defs_stay_whole() -> None:
    bm = blocks_of("""
        def f(n):
            def helper(v):
                if v:
                    return 1
                return 2
            i = 0
            while i < n:
                yield helper(i)
                i += 1
        """)
    by_line = bm.line_map()
    assert by_line[3] == by_line[4] == by_line[6] == by_line[7]  # def body not split
    assert by_line[9] != by_line[10]  # the statement after yield starts a block


def test_early_return_makes_following_code_unreachable_but_mapped() -> None:
    bm = blocks_of("""
        def f(x):
            return x
            x += 1
        """)
    assert [b.kind for b in bm.blocks] == ["entry", "unreachable"]
    assert bm.blocks[0].successors == ()


def test_match_cases_are_blocks() -> None:
    bm = blocks_of("""
        def f(p):
            match p:
                case (x, y) if x > y:
                    return x
                case _:
                    return 0
        """)
    assert [b.kind for b in bm.blocks] == ["entry", "case", "case"]


def test_block_code_and_tracer_form() -> None:
    src = "def f(a):\n    b = a\n    if b:\n        b = 2\n    return b\n"
    bm = build_blocks(src, "f")
    assert bm[0].code(src) == "    b = a\n    if b:"
    form = bm.to_tracer()
    assert form["function"] == "f"
    assert form["lines"]["4"] == 1 and form["entries"]["0"] == [2, 2]


def test_missing_function_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="no function named 'g'"):
        build_blocks("def f():\n    pass\n", "g")
