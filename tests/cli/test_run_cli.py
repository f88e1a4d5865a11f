"""`compilot run` through a real subprocess against a fake OpenAI-compatible server that
answers the capability probe like llama.cpp does, so ``--constrained auto`` picks the
grammar (streamed text plan), and ``--constrained json`` a JSON plan."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from compilot.testing import FakeOpenAIServer
from compilot.testing.fake_server import Reply, llama_cpp_like

TOOLS_MODULE = '''
from compilot.tools import tool

@tool
def population(country: str) -> int:
    """Population of a country in millions."""
    return {"France": 68, "Spain": 48}[country]

@tool
def math(expression: str) -> float:
    """Evaluate an arithmetic expression."""
    return float(eval(expression, {"__builtins__": {}}))

TOOLS = [population, math]
'''

PLAN = {"thought": "two lookups, then add", "tasks": [
    {"id": 1, "tool": "population", "args": {"country": "France"}},
    {"id": 2, "tool": "population", "args": {"country": "Spain"}},
    {"id": 3, "tool": "math", "args": {"expression": "$1 + $2"}}]}


TEXT_PLAN = ('1. population(country="France")\n2. population(country="Spain")\n'
             '3. math(expression="$1 + $2")\n4. join()')


def responder(body: dict[str, Any]) -> Reply:
    """The probe's requests get llama.cpp's behaviour; the plan and the join their JSON."""
    system = body["messages"][0]["content"] if body["messages"][0]["role"] == "system" else ""
    turn = body["messages"][-1]["content"]
    if "You are a planner" in system and turn.startswith("Question:"):
        return TEXT_PLAN if body.get("grammar") else json.dumps(PLAN)
    if "You are a planner" in system and "Now decide." in turn:
        results = body["messages"][-1]["content"]
        answer = "116" if "-> 116.0" in results else "unknown"
        return json.dumps({"thought": "added", "action": "finish", "content": answer})
    return llama_cpp_like(body)


def compilot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPILOT_")}
    env.update({"COMPILOT_CONFIG": str(cwd / "no-user-config.toml"),
                "COMPILOT_HOME": str(cwd / "home"), "COMPILOT_MODEL__MAX_RETRIES": "0"})
    return subprocess.run([sys.executable, "-m", "compilot.cli.main", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("form", ["auto", "json"])
def test_run_answers_with_a_constrained_plan_and_trace(tmp_path: Path, form: str) -> None:
    (tmp_path / "cli_run_tools.py").write_text(TOOLS_MODULE)
    with FakeOpenAIServer(responder=responder) as server:
        out = compilot("run", "Total population of France and Spain?",
                       "--tools", "cli_run_tools:TOOLS", "--json", "--constrained", form,
                       "--model", f"openai:{server.base_url}", "--model-name", "fake-model",
                       cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        data = json.loads(out.stdout)
        plan_request = next(b for b in server.requests
                            if b["messages"][-1]["content"].startswith("Question:"))
        join_request = next(b for b in server.requests
                            if "Now decide." in b["messages"][-1]["content"])
    # one system prompt for both turns: servers that cache prefixes read it once
    assert plan_request["messages"][0] == join_request["messages"][0]
    assert data["answer"] == "116" and data["status"] == "done"
    if form == "auto":
        assert data["constrained"] == "grammar" and "call-population" in plan_request["grammar"]
    else:
        assert data["constrained"] == "json"
        assert plan_request["response_format"]["type"] == "json_object"
    tasks = sorted(data["trace"]["tasks"], key=lambda t: t["id"])
    assert [(t["tool"], t["status"]) for t in tasks] == [
        ("population", "ok"), ("population", "ok"), ("math", "ok")]
    assert [c["purpose"] for c in data["trace"]["model_calls"]] == ["plan", "join"]
    # auto probed the endpoint once and cached the result in COMPILOT_HOME
    assert bool(list((tmp_path / "home" / "probe").glob("*.json"))) == (form == "auto")


def test_run_free_text_when_told(tmp_path: Path) -> None:
    (tmp_path / "cli_run_tools.py").write_text(TOOLS_MODULE)
    plan = ('1. population(country="France")\n2. population(country="Spain")\n'
            '3. math(expression="$1 - $2")\n4. join()')
    with FakeOpenAIServer([plan, "Thought: done\nAction: Finish(20)"]) as server:
        out = compilot("run", "France minus Spain?", "--tools", "cli_run_tools:TOOLS",
                       "--constrained", "none", "--model", f"openai:{server.base_url}",
                       "--model-name", "fake-model", cwd=tmp_path)
        assert server.remaining == 0
    assert out.returncode == 0, out.stderr
    assert "20" in out.stdout and "3 tasks, 2 model calls" in out.stdout


def test_run_rejects_an_unknown_form(tmp_path: Path) -> None:
    out = compilot("run", "q", "--tools", "x:y", "--constrained", "xml", cwd=tmp_path)
    assert out.returncode != 0
    assert "auto, none, json or grammar" in out.stderr and "Traceback" not in out.stderr
