"""The capability probe against fake servers that emulate llama.cpp and a permissive server."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from compilot.errors import ModelConnectionError
from compilot.llm import Endpoint, LiteLLMModel
from compilot.llm.config import ModelConfig
from compilot.llm.probe import Capabilities, cache_path, probe
from compilot.testing import FakeOpenAIServer, http_error, llama_cpp_like, permissive

pytestmark = pytest.mark.timeout(30)


def endpoint_for(srv: FakeOpenAIServer) -> Endpoint:
    return Endpoint(model="openai/fake-model", api_base=srv.base_url)


def model_for(endpoint: Endpoint) -> LiteLLMModel:
    return LiteLLMModel(endpoint, ModelConfig(max_retries=0), retry_base_delay_s=0.01)


def test_llama_cpp_like_server(tmp_path: Path) -> None:
    props = {"default_generation_settings": {"n_ctx": 4096}}
    with FakeOpenAIServer(responder=llama_cpp_like, owned_by="me", props=props) as srv:
        endpoint = endpoint_for(srv)
        caps = probe(model_for(endpoint), endpoint, tmp_path)
    assert caps.server == "llama.cpp"
    assert (caps.context_length, caps.context_length_source) == (4096, "props")
    assert not caps.tool_calls_auto and not caps.native_tool_calls
    assert caps.tool_calls_forced
    assert caps.json_schema and caps.json_schema_style == "json_object"
    assert caps.grammar
    assert all(r["max_tokens"] <= 64 and r["temperature"] == 0.0 for r in srv.requests)


def test_permissive_server_enforces_nothing(tmp_path: Path) -> None:
    with FakeOpenAIServer(responder=permissive, models_meta={"n_ctx_train": 32768}) as srv:
        endpoint = endpoint_for(srv)
        caps = probe(model_for(endpoint), endpoint, tmp_path, default_context_length=2048)
    assert caps.context_length == 32768 and caps.context_length_source == "models"
    assert not (caps.tool_calls_auto or caps.tool_calls_forced or caps.grammar)
    assert not caps.json_schema and caps.json_schema_style is None
    # Both wire forms of the schema were tried before giving up.
    formats = [r["response_format"]["type"] for r in srv.requests if "response_format" in r]
    assert formats == ["json_object", "json_schema"]


def test_rejected_fields_mean_unsupported(tmp_path: Path) -> None:
    with FakeOpenAIServer(responder=lambda body: http_error(400, "unknown field")) as srv:
        endpoint = endpoint_for(srv)
        caps = probe(model_for(endpoint), endpoint, tmp_path, default_context_length=2048)
    assert caps.context_length == 2048 and caps.context_length_source == "default"
    assert not (caps.tool_calls_forced or caps.json_schema or caps.grammar)


def test_result_is_cached_until_refresh(tmp_path: Path) -> None:
    with FakeOpenAIServer(responder=llama_cpp_like) as srv:
        endpoint = endpoint_for(srv)
        first = probe(model_for(endpoint), endpoint, tmp_path)
        asked = len(srv.requests)
        again = probe(model_for(endpoint), endpoint, tmp_path)
        assert again == first and len(srv.requests) == asked
        fresh = probe(model_for(endpoint), endpoint, tmp_path, refresh=True)
        assert len(srv.requests) == 2 * asked and fresh.probed_at > first.probed_at
    saved = json.loads(cache_path(tmp_path, endpoint).read_text())
    assert saved["grammar"] is True and saved["model"] == "openai/fake-model"
    assert cache_path(tmp_path, endpoint).parent == tmp_path / "probe"


def test_corrupt_cache_is_probed_again(tmp_path: Path) -> None:
    with FakeOpenAIServer(responder=llama_cpp_like) as srv:
        endpoint = endpoint_for(srv)
        path = cache_path(tmp_path, endpoint)
        path.parent.mkdir(parents=True)
        path.write_text("{not json")
        caps = probe(model_for(endpoint), endpoint, tmp_path)
    assert caps.grammar and Capabilities.model_validate_json(path.read_text()) == caps


def test_unreachable_endpoint_raises_and_caches_nothing(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = Endpoint(model="openai/m", api_base=f"http://127.0.0.1:{port}/v1")
    with pytest.raises(ModelConnectionError, match=str(port)):
        probe(model_for(endpoint), endpoint, tmp_path)
    assert not cache_path(tmp_path, endpoint).exists()


def test_probe_adapts_the_client_wire_form(tmp_path: Path) -> None:
    """A server that only obeys OpenAI's json_schema form is detected, and a client built
    with the result sends that form."""
    def openai_style(body: dict) -> str:
        fmt = body.get("response_format") or {}
        return '{"answer": 4}' if fmt.get("type") == "json_schema" else "Hello!"

    with FakeOpenAIServer(responder=openai_style) as srv:
        endpoint = endpoint_for(srv)
        caps = probe(model_for(endpoint), endpoint, tmp_path)
        assert caps.json_schema_style == "json_schema"
        adapted = model_for(endpoint).with_options(capabilities=caps)
        assert adapted.json_schema_style == "json_schema"
