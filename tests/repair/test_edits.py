"""Edit parsing and all-or-nothing application on real files in a tmp directory."""

from __future__ import annotations

from pathlib import Path

from compilot.repair import Edit, apply_edits, parse_edits, preview_edits

SOURCE = """\
import os


class Greeter:
    def greet(self, name):
        if name:
            return "hello " + name
        return "hello"


def main():
    print(Greeter().greet("x"))
"""


def _repo(tmp_path: Path, text: str = SOURCE, name: str = "pkg/greet.py") -> Path:
    target = tmp_path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text.encode())
    return tmp_path


def test_search_replace_blocks_in_fences_are_parsed_and_applied(tmp_path: Path) -> None:
    answer = """I will change the greeting.

pkg/greet.py
```python
<<<<<<< SEARCH
        return "hello"
=======
        return "hello, stranger"
>>>>>>> REPLACE
```

```python
<<<<<<< SEARCH
def main():
=======
def main() -> None:
>>>>>>> REPLACE
```
"""
    parsed = parse_edits(answer)
    assert parsed.ok and [e.path for e in parsed.edits] == ["pkg/greet.py"] * 2
    result = apply_edits(_repo(tmp_path), parsed.edits)
    assert result.applied, result.feedback
    text = (tmp_path / "pkg/greet.py").read_text()
    assert 'return "hello, stranger"' in text and "def main() -> None:" in text
    assert result.changed == ("pkg/greet.py",)


def test_malformed_block_is_feedback_not_exception() -> None:
    parsed = parse_edits("a.py\n<<<<<<< SEARCH\nx = 1\n>>>>>>> REPLACE\n")
    assert not parsed.ok and not parsed.edits
    assert "=======" in parsed.problems[0]
    assert parse_edits("just prose").problems


def test_indentation_shifted_search_is_reindented(tmp_path: Path) -> None:
    # The model dropped the method's indentation in both SEARCH and REPLACE.
    edit = Edit("pkg/greet.py",
                search='if name:\n    return "hello " + name\n',
                replace='if name:\n    return f"hello {name}"\n')
    result = apply_edits(_repo(tmp_path), [edit])
    assert result.applied, result.feedback
    text = (tmp_path / "pkg/greet.py").read_text()
    assert '        if name:\n            return f"hello {name}"\n' in text


def test_trailing_whitespace_differences_are_tolerated(tmp_path: Path) -> None:
    repo = _repo(tmp_path, SOURCE.replace("def main():", "def main():   "))
    result = apply_edits(repo, [Edit("pkg/greet.py", "def main():\n", "def run():\n")])
    assert result.applied, result.feedback
    assert "def run():\n" in (repo / "pkg/greet.py").read_text()


def test_crlf_file_keeps_crlf(tmp_path: Path) -> None:
    repo = _repo(tmp_path, SOURCE.replace("\n", "\r\n"))
    edit = Edit("pkg/greet.py", 'return "hello"\n', 'return "hi"\nreturn None\n')
    result = apply_edits(repo, [edit])
    assert result.applied, result.feedback
    data = (repo / "pkg/greet.py").read_bytes()
    assert b'        return "hi"\r\n        return None\r\n' in data
    assert data.count(b"\n") == data.count(b"\r\n")


def test_ambiguous_match_is_refused(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "x = 1\nprint(x)\nx = 1\n", "a.py")
    result = apply_edits(repo, [Edit("a.py", "x = 1\n", "x = 2\n")])
    assert not result.applied
    assert "matches 2 places" in result.feedback and "lines 1, 3" in result.feedback
    assert (repo / "a.py").read_text() == "x = 1\nprint(x)\nx = 1\n"


def test_no_match_says_did_you_mean_with_lines(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    edit = Edit("pkg/greet.py", 'def greet(self, person):\n    if person:\n', "x\n")
    result = apply_edits(repo, [edit])
    assert not result.applied
    feedback = result.feedback
    assert "does not match" in feedback and "pkg/greet.py" in feedback
    assert "Did you mean lines 5-6 of pkg/greet.py" in feedback
    assert "def greet(self, name):" in feedback


def test_all_or_nothing_when_one_edit_fails(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "b.py").write_text("y = 1\n")
    edits = [Edit("b.py", "y = 1\n", "y = 2\n"),
             Edit("pkg/greet.py", "no such line\n", "z\n")]
    result = apply_edits(repo, edits)
    assert not result.applied and result.failures[0].index == 2
    assert (repo / "b.py").read_text() == "y = 1\n"
    assert "Edit #2 (pkg/greet.py)" in result.feedback


def test_edits_to_the_same_file_apply_in_sequence(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "a = 1\n", "m.py")
    edits = [Edit("m.py", "a = 1\n", "a = 2\n"), Edit("m.py", "a = 2\n", "a = 3\n")]
    assert apply_edits(repo, edits).applied
    assert (repo / "m.py").read_text() == "a = 3\n"


def test_unified_diff_with_wrong_hunk_numbers(tmp_path: Path) -> None:
    diff = """\
diff --git a/pkg/greet.py b/pkg/greet.py
--- a/pkg/greet.py
+++ b/pkg/greet.py
@@ -40,4 +40,4 @@ class Greeter:
     def greet(self, name):
         if name:
-            return "hello " + name
+            return "hello, " + name
         return "hello"
"""
    parsed = parse_edits(diff)
    assert parsed.ok and parsed.edits[0].format == "udiff"
    result = apply_edits(_repo(tmp_path), parsed.edits)
    assert result.applied, result.feedback
    assert 'return "hello, " + name' in (tmp_path / "pkg/greet.py").read_text()


def test_unified_diff_hint_breaks_a_tie_only_when_exact(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "x = 1\nprint(x)\nx = 1\n", "a.py")
    diff = "--- a/a.py\n+++ b/a.py\n@@ -3,1 +3,1 @@\n-x = 1\n+x = 2\n"
    assert apply_edits(repo, parse_edits(diff).edits).applied
    assert (repo / "a.py").read_text() == "x = 1\nprint(x)\nx = 2\n"


def test_new_file_from_empty_search_and_from_dev_null_diff(tmp_path: Path) -> None:
    block = "pkg/new.py\n<<<<<<< SEARCH\n=======\nVALUE = 1\n>>>>>>> REPLACE\n"
    diff = "--- /dev/null\n+++ b/docs/notes.txt\n@@ -0,0 +1,2 @@\n+one\n+two\n"
    edits = parse_edits(block).edits + parse_edits(diff).edits
    result = apply_edits(tmp_path, edits)
    assert result.applied, result.feedback
    assert (tmp_path / "pkg/new.py").read_text() == "VALUE = 1\n"
    assert (tmp_path / "docs/notes.txt").read_text() == "one\ntwo\n"


def test_empty_search_on_existing_file_is_refused(tmp_path: Path) -> None:
    result = apply_edits(_repo(tmp_path), [Edit("pkg/greet.py", "", "x = 1\n")])
    assert not result.applied and "already exists" in result.feedback


def test_deleted_file_and_path_escape(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    diff = "--- a/pkg/greet.py\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-import os\n"
    assert apply_edits(repo, parse_edits(diff).edits).applied
    assert not (repo / "pkg/greet.py").exists()
    escape = apply_edits(repo, [Edit("../outside.py", "", "x = 1\n")])
    assert not escape.applied and "outside the repository" in escape.feedback
    assert not (tmp_path.parent / "outside.py").exists()


def test_preview_does_not_write(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    preview = preview_edits(repo, [Edit("pkg/greet.py", "import os\n", "import sys\n")])
    assert preview.ok and preview.changed == ("pkg/greet.py",)
    assert "import sys" in (preview.after["pkg/greet.py"] or "")
    assert (repo / "pkg/greet.py").read_text() == SOURCE


def test_path_line_variants_inside_and_outside_fences() -> None:
    answer = """### `pkg/a.py`
<<<<<<< SEARCH
a = 1
=======
a = 2
>>>>>>> REPLACE

```python
pkg/b.py
<<<<<<<< SEARCH
b = 1
========
b = 2
>>>>>>>> REPLACE
```
Then, in the same file:
```
<<<<<<< SEARCH
c = 1
=======
>>>>>>> REPLACE
```
"""
    parsed = parse_edits(answer)
    assert parsed.ok, parsed.problems
    assert [(e.path, e.search, e.replace) for e in parsed.edits] == [
        ("pkg/a.py", "a = 1\n", "a = 2\n"), ("pkg/b.py", "b = 1\n", "b = 2\n"),
        ("pkg/b.py", "c = 1\n", "")]
