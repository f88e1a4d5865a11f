"""The fake OpenAI-compatible server, spoken to with plain httpx (no compilot client)."""

from __future__ import annotations

import json

import httpx
import pytest

from compilot.testing import FakeOpenAIServer, http_error, llama_cpp_like, text, tool_calls

pytestmark = pytest.mark.timeout(20)


def chat(srv: FakeOpenAIServer, **body: object) -> httpx.Response:
    payload = {"model": "fake-model", "messages": [{"role": "user", "content": "hi"}], **body}
    return httpx.post(f"{srv.base_url}/chat/completions", json=payload, timeout=5)


def sse_payloads(response: httpx.Response) -> list[str]:
    return [line[len("data: "):] for line in response.text.splitlines()
            if line.startswith("data: ")]


def test_answers_the_script_in_order_and_records_bodies() -> None:
    with FakeOpenAIServer([text("one"), tool_calls(("add", {"a": 1}))]) as srv:
        first = chat(srv, max_tokens=5).json()
        second = chat(srv).json()
        assert srv.base_url.endswith("/v1") and srv.remaining == 0
    assert first["choices"][0]["message"]["content"] == "one"
    assert first["usage"]["prompt_tokens"] == 7
    call = second["choices"][0]["message"]["tool_calls"][0]
    assert call["function"] == {"name": "add", "arguments": '{"a": 1}'}
    assert second["choices"][0]["finish_reason"] == "tool_calls"
    assert srv.requests[0]["max_tokens"] == 5


def test_add_text_shorthand_sets_the_stream_chunk_size() -> None:
    with FakeOpenAIServer() as srv:
        srv.add_text("abcdef", stream_chunk_size=2)
        payloads = sse_payloads(chat(srv, stream=True))
    pieces = [json.loads(p)["choices"][0]["delta"].get("content") for p in payloads[:-1]]
    assert [p for p in pieces if p] == ["ab", "cd", "ef"]


def test_exhausted_script_answers_500_and_is_recorded() -> None:
    with FakeOpenAIServer([text("only")]) as srv:
        chat(srv)
        response = chat(srv, messages=[{"role": "user", "content": "again"}])
    assert response.status_code == 500 and "ran out after 1" in response.text
    assert srv.exhausted == [srv.requests[1]]


def test_injected_http_error_then_success() -> None:
    with FakeOpenAIServer([http_error(503, "busy"), text("ok")]) as srv:
        assert chat(srv).status_code == 503
        assert chat(srv).json()["choices"][0]["message"]["content"] == "ok"


def test_stream_sends_sse_chunks_usage_and_done() -> None:
    with FakeOpenAIServer([text("abcdefgh", chunk_size=3)]) as srv:
        response = chat(srv, stream=True, stream_options={"include_usage": True})
    payloads = sse_payloads(response)
    assert payloads[-1] == "[DONE]"
    chunks = [json.loads(p) for p in payloads[:-1]]
    pieces = [c["choices"][0]["delta"].get("content") for c in chunks if c["choices"]]
    assert "".join(p or "" for p in pieces) == "abcdefgh" and "def" in pieces
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 2


def test_crash_mid_stream_breaks_the_body() -> None:
    with FakeOpenAIServer([text("abcdefghijkl", crash_after_chunks=2)]) as srv, \
            pytest.raises(httpx.RemoteProtocolError):
        chat(srv, stream=True)


def test_delay_makes_clients_time_out() -> None:
    with FakeOpenAIServer([text("late", delay_s=3)]) as srv, pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{srv.base_url}/chat/completions", json={"messages": []}, timeout=0.2)


def test_models_and_props_endpoints() -> None:
    with FakeOpenAIServer(model="m1", owned_by="me", models_meta={"n_ctx_train": 2048},
                          props={"n_ctx": 1024}) as srv:
        models = httpx.get(f"{srv.base_url}/models").json()
        props = httpx.get(srv.base_url.removesuffix("/v1") + "/props").json()
    assert models["data"][0] == {"id": "m1", "object": "model", "owned_by": "me",
                                 "meta": {"n_ctx_train": 2048}}
    assert props == {"n_ctx": 1024}


def test_llama_cpp_like_responder_mimics_its_tool_call_quirk() -> None:
    tool = {"type": "function", "function": {
        "name": "f", "parameters": {"type": "object", "properties": {"n": {"type": "integer"}}}}}
    with FakeOpenAIServer(responder=llama_cpp_like) as srv:
        auto = chat(srv, tools=[tool], tool_choice="auto").json()["choices"][0]["message"]
        forced = chat(srv, tools=[tool], tool_choice={"type": "function",
                                                      "function": {"name": "f"}}).json()
    assert json.loads(auto["content"]) == {"name": "f", "arguments": {"n": 4}}
    assert "tool_calls" not in auto
    assert forced["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "f"
