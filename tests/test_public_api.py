"""The SDK surface is explicit and importing it has no side effects."""

from __future__ import annotations

import subprocess
import sys

import compilot

EXPECTED = {
    "ChatModel", "ComPilotError", "Completion", "ConfigError", "Endpoint", "GenerationOptions",
    "Message", "ModelError", "SandboxError", "Settings", "StreamEvent", "ToolCall", "Usage",
    "__version__", "load_settings", "open_model", "run", "arun", "astream", "RunResult",
    "Trace", "fix", "FixResult", "FixLimits",
}


def test_all_is_pinned() -> None:
    assert set(compilot.__all__) == EXPECTED


def test_every_export_resolves() -> None:
    for name in compilot.__all__:
        assert getattr(compilot, name) is not None


def test_import_is_cheap_and_offline() -> None:
    code = ("import sys, compilot, compilot.llm, compilot.config; "
            "heavy = [m for m in ('litellm', 'openai', 'docker', 'langgraph', 'llama_cpp') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
