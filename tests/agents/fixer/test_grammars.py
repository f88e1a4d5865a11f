"""The fixer's GBNF grammars and the grammar-constrained edit loop (scripted model).

The grammars are checked by translating the small GBNF subset they use into a Python regex:
a sample conforming answer must match (and parse with ``parse_edits``), a non-conforming one
must not. That the real llama.cpp server accepts them is checked by hand (see the report)."""

from __future__ import annotations

import re
from pathlib import Path

from compilot.agents.fixer.edit_loop import edit_candidate
from compilot.agents.fixer.excerpts import Excerpt, import_hint, lines_by_path
from compilot.agents.fixer.grammars import (
    edit_grammar,
    editable_paths,
    is_test_path,
    literal,
    repro_grammar,
)
from compilot.agents.fixer.reproduce import extract_test
from compilot.repair import parse_edits
from compilot.testing import ScriptedModel

_TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|\[(?:\\.|[^\]\\])*\]|[()|?*+]|[A-Za-z0-9-]+')


def _decode(lit: str) -> str:
    return re.sub(r"\\x([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)),
                  lit[1:-1].replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r")
                  ).replace('\\"', '"').replace("\\\\", "\\")


def gbnf_regex(grammar: str) -> re.Pattern[str]:
    """A regex equal to ``grammar`` (acyclic rules, literals, classes, groups, ? * +)."""
    rules = dict(line.split(" ::= ", 1) for line in grammar.strip().splitlines())

    def expand(name: str) -> str:
        out = []
        for tok in _TOKEN.findall(rules[name]):
            if tok.startswith('"'):
                out.append(re.escape(_decode(tok)))
            elif tok.startswith("["):
                out.append(tok)
            elif tok in "()|?*+":
                out.append("(?:" if tok == "(" else tok)
            else:
                out.append(f"(?:{expand(tok)})")
        return "".join(out)

    return re.compile(expand("root"))


PATHS = ("calc/ops.py", "tests/test_ops.py", "calc/test_helpers.py", "tests/conftest.py",
         "calc/util.py")
SHOWN = {"calc/ops.py": ("def add(a, b):", '    """Sum "a" and \\b."""', "    return a - b",
                         "")}
ANSWER = ("calc/ops.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n"
          ">>>>>>> REPLACE\n")


def test_editable_paths_leave_test_files_out() -> None:
    assert editable_paths(PATHS) == ("calc/ops.py", "calc/util.py")
    assert editable_paths(PATHS, allow_tests=True) == PATHS
    assert is_test_path("pkg/tests/x.py") and is_test_path("x_test.py")
    assert not is_test_path("pkg/testament.py")


def test_edit_grammar_names_the_editable_paths_and_accepts_a_conforming_answer() -> None:
    grammar = edit_grammar(editable_paths(PATHS))
    assert '"calc/ops.py\\n"' in grammar and '"calc/util.py\\n"' in grammar
    assert "tests/" not in grammar and "test_helpers" not in grammar
    pattern = gbnf_regex(grammar)
    assert pattern.fullmatch(ANSWER)
    assert pattern.fullmatch(ANSWER + ANSWER.replace("calc/ops.py", "calc/util.py"))
    parsed = parse_edits(ANSWER)
    assert parsed.ok and parsed.edits[0].path == "calc/ops.py"
    assert parsed.edits[0].search == "    return a - b\n"
    assert not pattern.fullmatch(ANSWER.replace("calc/ops.py", "tests/test_ops.py"))
    assert not pattern.fullmatch(ANSWER * 5)  # at most four blocks
    long_search = ANSWER.replace("    return a - b\n", "x\n" * 13)
    assert not pattern.fullmatch(long_search)  # SEARCH holds a few lines, not a class


def test_raw_lines_can_never_be_marker_lines() -> None:
    pattern = gbnf_regex(edit_grammar(["a.py"]))
    ok = "a.py\n<<<<<<< SEARCH\n>>> doctest\n== x\n\n<b>\n=======\nx <<<< y\n>>>>>>> REPLACE\n"
    assert pattern.fullmatch(ok)
    for marker in ("<<<<<<< SEARCH", "=======", ">>>>>", "====="):
        bad = f"a.py\n<<<<<<< SEARCH\nx\n{marker}\n=======\ny\n>>>>>>> REPLACE\n"
        assert not pattern.fullmatch(bad), marker


def test_search_lines_must_be_lines_that_were_shown() -> None:
    grammar = edit_grammar(["calc/ops.py", "calc/util.py"], SHOWN)
    pattern = gbnf_regex(grammar)
    assert pattern.fullmatch(ANSWER)
    quoted = ('calc/ops.py\n<<<<<<< SEARCH\ndef add(a, b):\n    """Sum "a" and \\b."""\n\n'
              "=======\nx\n>>>>>>> REPLACE\n")
    assert pattern.fullmatch(quoted)  # quotes, backslashes and blank lines survive escaping
    invented = ANSWER.replace("return a - b\n=", "return a minus b\n=")
    assert not pattern.fullmatch(invented)
    unshown = ANSWER.replace("calc/ops.py", "calc/util.py")  # no lines shown: raw SEARCH
    assert pattern.fullmatch(unshown)


def test_repro_grammar_wants_one_fenced_block_with_a_test() -> None:
    pattern = gbnf_regex(repro_grammar())
    answer = ("```python\nfrom calc.ops import add\n\ndef test_add():\n"
              "    assert add(2, 3) == 5\n```")
    assert pattern.fullmatch(answer)
    assert extract_test(answer, False) == ("from calc.ops import add\n\ndef test_add():\n"
                                           "    assert add(2, 3) == 5\n")
    assert not pattern.fullmatch('```python\n"tests/test_pricing.py"\n```')
    assert not pattern.fullmatch('{"test_code": "def test_x(): pass"}')


def test_literal_escapes_for_gbnf() -> None:
    assert literal('a"b\\c\n\t\x01') == '"a\\"b\\\\c\\n\\t\\x01"'


def test_excerpt_helpers() -> None:
    ex = (Excerpt("a.py", 3, 4, ("x = 1", "y = 2")), Excerpt("a.py", 9, 9, ("z = 3",)))
    assert lines_by_path(ex) == {"a.py": ("x = 1", "y = 2", "z = 3")}
    assert ex[0].render() == "a.py (lines 3-4)\n```python\nx = 1\ny = 2\n```"
    files = {"pkg/m.py": "import os\n", "tests/test_m.py": "import pytest\nfrom pkg import m\n"}
    assert import_hint(files) == "import pytest\nfrom pkg import m"


def test_grammar_edit_loop_retries_under_the_same_grammar(tmp_path: Path) -> None:
    (tmp_path / "calc").mkdir()
    (tmp_path / "calc" / "ops.py").write_text("def add(a, b):\n    return a - b\n")
    miss = ANSWER.replace("return a - b", "return a-b  # wrong")
    model = ScriptedModel([miss, ANSWER])
    outcome = edit_candidate(model, "# Issue\nadd subtracts", tmp_path, constrained="grammar",
                             paths=("calc/ops.py",), temperature=0.0, seed=0,
                             search_lines=SHOWN)
    assert outcome.applied and outcome.attempts == 2
    assert (tmp_path / "calc" / "ops.py").read_text().endswith("return a + b\n")
    first, retry = (r.options for r in model.requests)
    assert first.grammar and first.grammar == retry.grammar and first.json_schema is None
    assert "Did you mean" in model.requests[1].messages[-1].content
    prompt = model.requests[0].messages[-1].content
    assert "Editable files: calc/ops.py. Test files cannot be edited." in prompt
