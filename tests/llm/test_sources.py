"""Model references, and how each kind maps to an endpoint (no server, no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from compilot.config import load_settings
from compilot.errors import ConfigError, ModelSourceError
from compilot.llm.resolve import ensure_endpoint
from compilot.llm.sources import ModelSource, parse_source


def test_default_is_the_bundled_1_5b() -> None:
    assert parse_source(None) == ModelSource("bundled", "qwen2.5-coder-1.5b",
                                             "bundled:qwen2.5-coder-1.5b")
    assert parse_source("bundled:qwen2.5-coder-0.5b").value == "qwen2.5-coder-0.5b"


def test_unknown_bundled_name_lists_valid_names() -> None:
    with pytest.raises(ModelSourceError) as info:
        parse_source("bundled:qwen-7b")
    assert "bundled:qwen2.5-coder-0.5b" in str(info.value)
    assert "bundled:qwen2.5-coder-1.5b" in str(info.value)
    assert info.value.hint and info.value.hint.startswith("compilot model pull")


def test_gguf_file_must_exist(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    with pytest.raises(ModelSourceError, match=str(model)):
        parse_source(f"gguf:{model}")
    model.write_bytes(b"GGUF")
    source = parse_source(f"gguf:{model}")
    assert source.kind == "gguf" and source.path == model.resolve() and source.is_local


def test_openai_source_needs_a_url() -> None:
    assert parse_source("openai:http://localhost:8000/v1/").value == "http://localhost:8000/v1"
    with pytest.raises(ModelSourceError, match="http"):
        parse_source("openai:localhost:8000")


@pytest.mark.parametrize("ref", ["ollama/qwen2.5-coder", "gpt-4o-mini", "ollama_chat/x:7b"])
def test_anything_else_is_a_litellm_string(ref: str) -> None:
    source = parse_source(ref)
    assert (source.kind, source.value, source.is_local) == ("litellm", ref, False)


def test_openai_endpoint_sends_the_configured_name(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path, model={"source": "openai:http://h:1/v1",
                                                   "name": "qwen-coder"})
    endpoint = ensure_endpoint(settings, progress=False)
    assert (endpoint.model, endpoint.api_base, endpoint.api_key) == (
        "openai/qwen-coder", "http://h:1/v1", "sk-local")
    with pytest.raises(ConfigError, match="model.name"):
        ensure_endpoint(load_settings(home=tmp_path, model={"source": "openai:http://h:1/v1"}))


def test_litellm_string_passes_through(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path, model={"source": "ollama/qwen2.5-coder"})
    endpoint = ensure_endpoint(settings, progress=False)
    assert endpoint.model == "ollama/qwen2.5-coder" and endpoint.api_base is None
