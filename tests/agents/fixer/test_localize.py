"""Localisation against a small real git repository in a tmp directory."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from compilot.agents.fixer import localize
from compilot.agents.fixer.bm25 import BM25, split_identifier, tokenize
from compilot.agents.fixer.localize import localize_sources, mentioned_locations
from compilot.agents.fixer.repo_map import approx_tokens, rank_repository
from compilot.agents.fixer.tags import extract_all, extract_tags, python_files, read_sources
from compilot.agents.fixer.tracebacks import parse_trace_frames

UTIL = '''\
def normalize(value):
    return value.strip().lower()


def clean(value):
    return normalize(value).replace("-", "_")
'''
USER = '''\
from pkg.util import clean, normalize


def handle_{n}(value):
    return clean(normalize(value))
'''
HEADERS = '''\
from pkg.util import normalize


class HeaderError(ValueError):
    """A malformed HTTP header line."""


def parse_header(line):
    name, value = line.split(":", 1)
    return normalize(name), value.strip()
'''
TEST = '''\
from pkg.headers import parse_header


def test_parse_header_empty_value():
    assert parse_header("X-Token:") == ("x-token", "")
'''
ISSUE = '''\
parse_header crashes on a line without a colon

Traceback (most recent call last):
  File "/home/alice/src/proj/tests/test_headers.py", line 5, in test_parse_header_empty_value
  File "/home/alice/src/proj/pkg/headers.py", line 9, in parse_header
    name, value = line.split(":", 1)
ValueError: not enough values to unpack (expected 2, got 1)
'''


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    files = {"pkg/__init__.py": "", "pkg/util.py": UTIL, "pkg/headers.py": HEADERS,
             "tests/test_headers.py": TEST, ".gitignore": "generated/\n",
             "generated/big.py": "def parse_header():\n    pass\n"}
    files |= {f"pkg/user_{n}.py": USER.format(n=n) for n in range(4)}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    return tmp_path


def test_identifiers_split_for_bm25() -> None:
    assert split_identifier("getHTTPResponse_code") == ["get", "http", "response", "code"]
    assert tokenize("The parseHeader call") == ["parseheader", "parse", "header", "call"]
    index = BM25([tokenize("def parse_header(line)"), tokenize("def normalize(value)")])
    assert index.top(tokenize("header parsing breaks"), 2)[0][0] == 0


def test_tags_skip_locals_that_share_a_name_with_a_definition() -> None:
    tags = extract_tags("m.py", "from a import clean\n\ndef f(normalize):\n"
                                "    text = normalize + clean(x.size)\n    return text\n")
    assert tags.references == {"clean": 2, ".size": 1}
    assert [(d.name, d.kind, d.start_line, d.end_line) for d in tags.definitions] == [
        ("f", "function", 3, 5)]


def test_python_files_follow_gitignore(repo: Path) -> None:
    files = python_files(repo)
    assert "pkg/headers.py" in files and "generated/big.py" not in files


def test_repo_map_ranks_the_issue_mentioned_file_first(repo: Path) -> None:
    tags = extract_all(read_sources(repo, python_files(repo)))
    plain = rank_repository(tags)
    assert plain.files[0][0] == "pkg/util.py"  # most referenced without an issue
    ranked = rank_repository(tags, mentioned={"parse_header"})
    assert ranked.files[0][0] == "pkg/headers.py"
    assert ranked.definitions[0][0].name == "parse_header"
    text = ranked.render(budget_tokens=200)
    assert text.splitlines()[0] == "pkg/headers.py:"
    assert "    def parse_header(line):  # L8" in text


def test_repo_map_respects_the_token_budget(repo: Path) -> None:
    ranked = rank_repository(extract_all(read_sources(repo, python_files(repo))))
    sizes = []
    for budget in (0, 15, 40, 80, 10_000):
        text = ranked.render(budget)
        assert approx_tokens(text) <= budget
        sizes.append(len(text))
    assert sizes == sorted(sizes) and sizes[0] == 0 and sizes[-1] > sizes[2] > 0
    assert "class HeaderError(ValueError):" in ranked.render(10_000)


def test_traceback_locations_map_to_repository_files() -> None:
    files = ["src/pkg/mod.py", "pkg2/mod.py", "tests/test_mod.py", "decoder.py"]
    text = """
  File "/usr/lib/python3.11/site-packages/pkg/mod.py", line 12, in run
  File "/usr/lib/python3.11/json/decoder.py", line 337, in decode
  File "/tmp/elsewhere/missing.py", line 3, in gone
tests/test_mod.py:40: AssertionError
src/pkg/mod.py:7: in helper
"""
    frames = parse_trace_frames(text, files)
    got = [(f.path, f.line, f.function) for f in frames]
    assert got == [("src/pkg/mod.py", 12, "run"), ("tests/test_mod.py", 40, None),
                   ("src/pkg/mod.py", 7, "helper")]


def test_localize_combines_signals_and_keeps_reasons(repo: Path) -> None:
    result = localize(repo, ISSUE, budget_tokens=120)
    top = result.locations[0]
    assert (top.path, top.symbol, top.start_line, top.end_line) == (
        "pkg/headers.py", "parse_header", 8, 10)
    assert "traceback pkg/headers.py:9" in top.reason and "bm25 function" in top.reason
    assert "repo map" in top.reason
    keys = [(loc.path, loc.symbol, loc.start_line) for loc in result.locations]
    assert len(keys) == len(set(keys))
    assert "tests/test_headers.py" in result.files
    assert all(not loc.path.startswith("generated/") for loc in result.locations)
    assert result.repo_map.startswith("pkg/headers.py:")
    assert approx_tokens(result.repo_map) <= 120


def test_named_function_and_the_module_table_it_reads_rank_first() -> None:
    sources = {
        "units.py": ("_SIZES = [(1, 'B'), (1024, 'K')]\nOTHER = 3\n\n\n"
                     "def human(n):\n    for size, sym in _SIZES:\n        if n < size:\n"
                     "            break\n    return f'{n / size}{sym}'\n\n\n"
                     "def unrelated(n):\n    return OTHER * n\n"),
        "other.py": "def sizes_report(sizes):\n    return 'sizes: ' + ', '.join(sizes)\n",
    }
    issue = "`human(2048)` gives the wrong sizes suffix; sizes above 1024 are wrong."
    named, read = mentioned_locations(issue, extract_all(sources), sources)
    assert [(x.path, x.symbol) for x in named] == [("units.py", "human")]
    assert [(x.symbol, x.start_line) for x in read] == [("_SIZES", 1)]
    found = localize_sources(sources, issue).locations
    assert found[0].symbol == "human" and "_SIZES" in [x.symbol for x in found[:3]]
    assert "named in the issue" in found[0].reason


def test_names_defined_in_many_places_do_not_count_as_mentioned() -> None:
    sources = {f"m{i}.py": "def run():\n    return 1\n" for i in range(4)}
    named, _ = mentioned_locations("`run()` fails", extract_all(sources), sources)
    assert named == []
