"""`compilot debug FILE::FUNCTION --test ...` end to end with a fake OpenAI-compatible model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from compilot.cli.debug import debug
from compilot.testing import FakeOpenAIServer

BUGGY = '''def double(x):
    """Return twice x."""
    y = x + x
    if y > 4:
        y = y - 1
    return y
'''
FIX = "```python\ndef double(x):\n    \"\"\"Return twice x.\"\"\"\n    return x + x\n```"
pytestmark = pytest.mark.filterwarnings("ignore:LocalSandbox does not isolate")
VERDICTS = "Block 0: correct - sum [ok]\nBlock 1: wrong - why -1?\n"


def cli_app() -> typer.Typer:
    app = typer.Typer()
    app.command("debug")(debug)
    app.command("noop")(lambda: None)  # keep typer in multi-command mode
    return app


@pytest.fixture
def target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COMPILOT_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "code.py"
    path.write_text(BUGGY)
    return path


def invoke(path: Path, server: FakeOpenAIServer, *extra: str):
    args = ["debug", f"{path}::double", "--test", "assert double(1) == 2", "--test",
            "assert double(3) == 6", "--local", "--model", f"openai:{server.base_url}",
            "--model-name", "fake", *(extra or ("--free-text",))]
    return CliRunner().invoke(cli_app(), args)


def test_debug_prints_trace_table_verdicts_and_fix(target: Path) -> None:
    with FakeOpenAIServer() as server:
        server.add_text(VERDICTS + FIX)
        out = invoke(target, server)
    assert out.exit_code == 0, out.output
    assert "Trace of the first failing test" in out.output
    assert "y = y - 1" in out.output and "y=5" in out.output
    assert "sum [ok]" in out.output  # model text is not parsed as markup
    assert "-        y = y - 1" in out.output  # the proposed fix, as a diff
    assert target.read_text() == BUGGY  # the user's file is left alone
    first = server.requests[0]["messages"][-1]["content"]
    assert "Return twice x." in first and "returned 5, expected 6" in first


def test_debug_json_output(target: Path) -> None:
    with FakeOpenAIServer() as server:
        server.add_text("no verdicts, no code")
        server.add_text(VERDICTS + FIX)
        out = invoke(target, server, "--json", "--free-text")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["solved"] and data["calls"] == 2
    assert "no ```python code block" in data["attempts"][0]["notes"][-1]
    assert data["attempts"][1]["verdicts"][1]["correct"] is False
    assert any(row.get("returned") == "5" for row in data["attempts"][1]["trace"])


def test_debug_constrained_sends_the_verdict_grammar(target: Path) -> None:
    with FakeOpenAIServer() as server:
        server.add_text(VERDICTS + FIX)
        out = invoke(target, server, "--constrained")
    assert out.exit_code == 0, out.output
    grammar = server.requests[0]["grammar"]
    assert '"Block 0: "' in grammar and '"Block 1: "' in grammar


def test_debug_seed_numbers_the_calls(target: Path) -> None:
    with FakeOpenAIServer() as server:
        server.add_text("no verdicts, no code")
        server.add_text(VERDICTS + FIX)
        out = invoke(target, server, "--seed", "11", "--free-text")
        server.add_text(VERDICTS + FIX)
        unseeded = invoke(target, server)
    assert out.exit_code == unseeded.exit_code == 0, out.output
    assert [r.get("seed") for r in server.requests] == [11, 12, None]


def test_bad_target_is_a_user_error(target: Path) -> None:
    with FakeOpenAIServer() as server:
        out = CliRunner().invoke(cli_app(), ["debug", f"{target}::nope", "-t", "assert 1",
                                             "--local", "--model",
                                             f"openai:{server.base_url}"])
    assert out.exit_code == 2
    assert "no function named 'nope'" in " ".join(out.output.split())
