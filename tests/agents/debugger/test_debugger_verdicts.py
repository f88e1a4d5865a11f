"""Tolerant parsing of block verdicts, the verdict grammar, and programs out of answers."""

from __future__ import annotations

import re

from compilot.agents.debugger.program import program_from_answer, same_program, sanitize
from compilot.agents.debugger.verdicts import extract_code, parse_verdicts, verdict_grammar


def test_clean_verdict_lines_then_code() -> None:
    text = ("Block 0: correct - starts at zero\nBlock 2: wrong - off by one\n"
            "```python\ndef f():\n    return 1\n```")
    parsed = parse_verdicts(text, shown_blocks={0, 2})
    assert parsed.ok and parsed.wrong_blocks() == [2]
    assert parsed.verdicts[1].explanation == "off by one"


def test_loose_verdict_lines_are_read() -> None:
    text = ("Sure! Here is my analysis.\n**Block 3**: Incorrect. the sign is wrong\n"
            "- [Block 4] correct: fine\n* block 5 - TRUE\nBlock 3: correct - a second opinion\n")
    parsed = parse_verdicts(text, shown_blocks={3, 4, 5})
    assert [(v.block, v.correct) for v in parsed.verdicts] == [(3, False), (4, True), (5, True)]
    assert parsed.verdicts[0].explanation == "the sign is wrong"  # first verdict per block


def test_lines_inside_the_code_are_not_verdicts() -> None:
    text = "```python\n# Block 1: wrong - a comment in the code\ndef f():\n    pass\n```"
    assert not parse_verdicts(text, {1}).ok


def test_malformed_verdicts_become_notes_not_exceptions() -> None:
    none = parse_verdicts("I think the loop is broken.", {1, 2})
    assert not none.ok and "Block N: correct|wrong" in (none.error or "")
    unshown = parse_verdicts("Block 9: wrong - here", {1, 2})
    assert not unshown.ok and "[9]" in (unshown.error or "")
    some = parse_verdicts("Block 9: wrong - x\nBlock 1: wrong - y", {1, 2})
    assert some.ok and some.wrong_blocks() == [1]


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\[(?:[^\]\\]|\\.)*\]|\{\d+,\d+\}|[()|*]|[\w-]+')


def _gbnf_as_regex(grammar: str) -> re.Pattern[str]:
    """A non-recursive GBNF grammar as one regex, rules inlined (enough for this grammar)."""
    rules = dict(line.split(" ::= ", 1) for line in grammar.splitlines())

    def expand(rule: str) -> str:
        out = []
        for tok in _TOKEN.findall(rules[rule]):
            if tok.startswith('"'):
                out.append(re.escape(tok[1:-1].encode().decode("unicode_escape")))
            elif tok.startswith("[") or tok.startswith("{") or tok in "()|*":
                out.append(tok.replace("\\n", "\n"))
            else:
                out.append(f"(?:{expand(tok)})")
        return "".join(out)

    return re.compile(expand("root"), re.DOTALL)


def test_verdict_grammar_demands_a_line_per_shown_block_one_of_them_wrong() -> None:
    form = _gbnf_as_regex(verdict_grammar([0, 2, 5]))
    good = ("Block 0: correct - ok\nBlock 2: wrong - sign\nBlock 5: correct - fine\n"
            "```python\ndef f(x):\n    return `x` if x else x\n```")
    assert form.fullmatch(good)
    assert form.fullmatch(good.replace("5: correct", "5: wrong"))
    assert not form.fullmatch(good.replace("2: wrong", "2: correct"))  # none wrong
    assert not form.fullmatch(good.replace("Block 2", "Block 3"))
    assert not form.fullmatch(good.replace("Block 5: correct - fine\n", ""))
    assert not form.fullmatch(good.replace("wrong - sign", "maybe - sign"))
    assert not form.fullmatch(good.replace("- ok", "- " + "x" * 120))
    assert parse_verdicts(good, {0, 2, 5}).wrong_blocks() == [2]


def test_extract_code_prefers_the_block_defining_the_function() -> None:
    text = ("Explanation:\n```python\nprint(f(2))\n```\nFix:\n```python\n"
            "def f(x):\n    return x * 2\n```")
    assert extract_code(text, "f") == "def f(x):\n    return x * 2"
    assert extract_code("```\ndef f():\n    pass\n```", "f") == "def f():\n    pass"
    assert extract_code("def f():\n    return 1", "f") == "def f():\n    return 1"
    assert extract_code("I cannot fix it.", "f") is None
    unterminated = "```python\ndef f():\n    return 3\n"
    assert extract_code(unterminated, "f") == "def f():\n    return 3"


DEMO = '''import math
TABLE = {"a": 1}


@decorator
def f(x):
    return math.sqrt(x)

# Test the function
print(f(4))  # 2.0
assert f(9) == 3
result = f(16)
for v in (1, 2):
    print(f(v))
if __name__ == "__main__":
    f(1)
'''


def test_sanitize_drops_demo_code_and_keeps_definitions() -> None:
    clean = sanitize(DEMO)
    assert "def f(x)" in clean and "@decorator" in clean and 'TABLE = {"a": 1}' in clean
    assert "import math" in clean
    for demo in ("print(", "assert f(9)", "result = f(16)", "for v in", "__main__"):
        assert demo not in clean, demo
    assert sanitize("def f(:\n") == "def f(:\n"  # a syntax error is left for the tests


def test_sanitize_keeps_demo_code_the_program_already_had() -> None:
    original = 'def main():\n    pass\n\nif __name__ == "__main__":\n    main()\n'
    answer = original + "print(main())\n"
    kept = sanitize(answer, keep=original)
    assert "__main__" in kept and "print(main())" not in kept


def test_program_from_answer_restores_imports_and_compares_by_syntax() -> None:
    original = "from typing import List\n\ndef f(xs: List[int]) -> int:\n    return 0\n"
    answer = ("Fixed:\n```python\ndef f(xs: List[int]) -> int:\n    return sum(xs)\n\n"
              "print(f([1]))\n```")
    program = program_from_answer(answer, "f", original)
    assert program is not None and program.startswith("from typing import List")
    assert "print" not in program and "return sum(xs)" in program
    assert program_from_answer("no code, sorry", "f", original) is None
    assert same_program(original, "from typing import List\ndef f(xs: List[int]) -> int:"
                                  "\n    # still zero\n    return 0\n")
    assert not same_program(original, program)


def test_the_docstring_is_hidden_from_the_model_and_put_back_into_its_fix() -> None:
    from compilot.agents.debugger.program import without_docstring

    original = ('def f(x):\n    """Twice x.\n\n    >>> f(2)\n    4\n    """\n'
                '    return x + 1\n')
    shown = without_docstring(original, "f")
    assert "Twice" not in shown and "return x + 1" in shown
    answer = "```python\ndef f(x):\n    return x * 2\n```"
    program = program_from_answer(answer, "f", original)
    assert program == ('def f(x):\n    """Twice x.\n\n    >>> f(2)\n    4\n    """\n'
                       '    return x * 2\n')
    only_doc = 'def g():\n    """Nothing else."""\n'
    assert without_docstring(only_doc, "g") == only_doc  # still parses
