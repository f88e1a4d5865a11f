"""LiteLLMModel through real HTTP against the fake OpenAI-compatible server."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import pytest

from compilot.errors import ModelConnectionError, ModelResponseError, ModelTimeoutError
from compilot.llm import Endpoint, GenerationOptions, LiteLLMModel, Message, StreamEvent, ToolCall
from compilot.llm.config import ModelConfig
from compilot.llm.probe import Capabilities
from compilot.testing import FakeOpenAIServer, FakeReply, FakeToolCall, http_error, text, tool_calls

pytestmark = pytest.mark.timeout(30)


def model_for(srv: FakeOpenAIServer, **kwargs: object) -> LiteLLMModel:
    config = ModelConfig(max_retries=int(kwargs.pop("max_retries", 2)))  # type: ignore[call-overload]
    return LiteLLMModel(Endpoint(model="openai/fake-model", api_base=srv.base_url), config,
                        retry_base_delay_s=0.01, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def srv() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


def collect(events: Iterator[StreamEvent]) -> tuple[list[str], list[StreamEvent]]:
    deltas, done = [], []
    for event in events:
        (done.append(event) if event.done else deltas.append(event.delta))
    return deltas, done


# -- plain and streamed answers --------------------------------------------------------------
def test_complete_returns_text_and_server_usage(srv: FakeOpenAIServer) -> None:
    srv.add(text("hello there", prompt_tokens=11, completion_tokens=3))
    answer = model_for(srv).complete("hi")
    assert answer.text == "hello there"
    assert answer.finish_reason == "stop"
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (11, 3)
    assert answer.usage.latency_s > 0 and answer.usage.ttft_s is None
    body = srv.requests[0]
    assert body["max_tokens"] == 1024 and body["temperature"] == 0.0
    assert body["messages"] == [{"role": "user", "content": "hi"}]


def test_usage_is_estimated_when_server_reports_none(srv: FakeOpenAIServer) -> None:
    srv.add(text("x" * 40, usage=False))
    usage = model_for(srv).complete("y" * 80).usage
    assert (usage.prompt_tokens, usage.completion_tokens) == (20, 10)


def test_stream_yields_deltas_then_the_assembled_answer(srv: FakeOpenAIServer) -> None:
    srv.add(text("streaming works fine", chunk_delay_s=0.02, prompt_tokens=5,
                 completion_tokens=4))
    deltas, done = collect(model_for(srv).stream("hi"))
    assert len(deltas) > 1 and "".join(deltas) == "streaming works fine"
    (final,) = done
    assert final.completion is not None and final.completion.text == "streaming works fine"
    usage = final.completion.usage
    assert (usage.prompt_tokens, usage.completion_tokens) == (5, 4)
    assert usage.ttft_s is not None and 0 < usage.ttft_s < usage.latency_s
    assert srv.requests[0]["stream_options"] == {"include_usage": True}


def test_native_tool_calls_are_parsed(srv: FakeOpenAIServer) -> None:
    srv.add(tool_calls(FakeToolCall("add", {"a": 1, "b": 2}, id="c1")))
    tool = {"type": "function", "function": {"name": "add", "parameters": {"type": "object"}}}
    choice = {"type": "function", "function": {"name": "add"}}
    answer = model_for(srv).complete("add", GenerationOptions(tools=(tool,), tool_choice=choice))
    assert srv.requests[0]["tools"] == [tool] and srv.requests[0]["tool_choice"] == choice
    assert answer.finish_reason == "tool_calls"
    assert answer.tool_calls == (ToolCall(id="c1", name="add", arguments='{"a": 1, "b": 2}'),)
    assert answer.tool_calls[0].parsed() == {"a": 1, "b": 2}


def test_streamed_tool_call_pieces_are_assembled(srv: FakeOpenAIServer) -> None:
    srv.add(tool_calls(("search", {"query": "a long query text"}), ("add", {"a": 1})))
    tool = {"type": "function", "function": {"name": "search", "parameters": {"type": "object"}}}
    _, (final,) = collect(model_for(srv).stream("go", GenerationOptions(tools=(tool,))))
    assert final.completion is not None
    calls = final.completion.tool_calls
    assert [c.name for c in calls] == ["search", "add"]
    assert calls[0].parsed() == {"query": "a long query text"} and calls[1].parsed() == {"a": 1}
    assert final.completion.usage.ttft_s is not None


# -- what goes on the wire -------------------------------------------------------------------
def test_assistant_tool_call_turn_is_sent_with_empty_content(srv: FakeOpenAIServer) -> None:
    srv.add(text("done"))
    call = ToolCall(id="c1", name="add", arguments="{}")
    model_for(srv).complete([Message(role="user", content="add"),
                             Message(role="assistant", tool_calls=(call,)),
                             Message(role="tool", content="3", tool_call_id="c1")])
    assistant = srv.requests[0]["messages"][1]
    assert assistant["content"] == "" and assistant["tool_calls"][0]["id"] == "c1"


def test_generation_options_reach_the_server(srv: FakeOpenAIServer) -> None:
    srv.add(text("a"), text("b"))
    schema = {"type": "object", "properties": {"answer": {"type": "integer"}}}
    model = model_for(srv)
    model.complete("x", GenerationOptions(json_schema=schema, seed=7, stop=("END",),
                                          max_tokens=12, temperature=0.5))
    model.complete("x", GenerationOptions(grammar='root ::= "yes" | "no"'))
    first, second = srv.requests
    assert first["response_format"] == {"type": "json_object", "schema": schema}
    assert (first["seed"], first["stop"], first["max_tokens"]) == (7, ["END"], 12)
    assert first["temperature"] == 0.5
    assert second["grammar"] == 'root ::= "yes" | "no"'
    assert "max_completion_tokens" not in first


def test_json_schema_wire_form_follows_capabilities(srv: FakeOpenAIServer) -> None:
    srv.add(text("{}"))
    caps = Capabilities(model="openai/fake-model", json_schema=True,
                        json_schema_style="json_schema")
    schema = {"type": "object", "title": "reply"}
    model_for(srv, capabilities=caps).complete("x", GenerationOptions(json_schema=schema))
    fmt = srv.requests[0]["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "reply" and fmt["json_schema"]["schema"] == schema


# -- retries and errors ----------------------------------------------------------------------
@pytest.mark.parametrize("status", [500, 503, 429])
def test_transient_http_errors_are_retried(srv: FakeOpenAIServer, status: int) -> None:
    srv.add(http_error(status), text("recovered"))
    assert model_for(srv).complete("hi").text == "recovered"
    assert len(srv.requests) == 2


def test_stream_open_is_retried_after_a_server_error(srv: FakeOpenAIServer) -> None:
    srv.add(http_error(502), text("ok"))
    deltas, _ = collect(model_for(srv).stream("hi"))
    assert "".join(deltas) == "ok" and len(srv.requests) == 2


def test_client_errors_are_not_retried_and_quote_the_server(srv: FakeOpenAIServer) -> None:
    srv.add(http_error(400, '{"error": {"message": "tools[0] lacks a name"}}'), text("never"))
    with pytest.raises(ModelResponseError) as info:
        model_for(srv).complete("hi")
    assert info.value.status == 400 and "tools[0] lacks a name" in str(info.value)
    assert len(srv.requests) == 1


def test_exhausted_retries_raise_with_the_status(srv: FakeOpenAIServer) -> None:
    srv.add(*[http_error(500, '{"error": {"message": "model crashed"}}')] * 3)
    with pytest.raises(ModelResponseError) as info:
        model_for(srv, max_retries=2).complete("hi")
    assert info.value.status == 500 and "model crashed" in str(info.value)
    assert "3 attempts" in str(info.value) and len(srv.requests) == 3


def test_timeout_raises_promptly_and_is_not_retried(srv: FakeOpenAIServer) -> None:
    srv.add(text("late", delay_s=5), text("never"))
    started = time.monotonic()
    with pytest.raises(ModelTimeoutError, match="0.3 s"):
        model_for(srv).complete("hi", GenerationOptions(timeout_s=0.3))
    assert time.monotonic() - started < 3 and len(srv.requests) == 1


def test_timeout_is_retried_when_asked(srv: FakeOpenAIServer) -> None:
    srv.add(text("late", delay_s=5), text("on time"))
    model = model_for(srv, retry_on_timeout=True)
    assert model.complete("hi", GenerationOptions(timeout_s=0.3)).text == "on time"


def test_unreachable_endpoint_names_the_url() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    model = LiteLLMModel(Endpoint(model="openai/m", api_base=url), ModelConfig(max_retries=1),
                         retry_base_delay_s=0.01)
    with pytest.raises(ModelConnectionError) as info:
        model.complete("hi")
    assert url in str(info.value) and "compilot model serve" in str(info.value)


def test_crash_mid_stream_raises_instead_of_a_truncated_answer(srv: FakeOpenAIServer) -> None:
    srv.add(text("a long answer that never ends", crash_after_chunks=3), text("never"))
    deltas: list[str] = []
    with pytest.raises(ModelConnectionError, match="while streaming"):
        for event in model_for(srv).stream("hi"):
            assert not event.done
            deltas.append(event.delta)
    assert "".join(deltas) == "a long a" and len(srv.requests) == 1


def test_stalled_stream_times_out(srv: FakeOpenAIServer) -> None:
    srv.add(text("slow words", chunk_delay_s=3))
    with pytest.raises(ModelTimeoutError):
        collect(model_for(srv).stream("hi", GenerationOptions(timeout_s=0.3)))


# -- async -----------------------------------------------------------------------------------
def test_async_complete_and_stream(srv: FakeOpenAIServer) -> None:
    srv.add(http_error(500), text("async hello"), text("async stream"))
    model = model_for(srv)

    async def run() -> tuple[str, list[StreamEvent]]:
        answer = await model.acomplete("hi")
        return answer.text, [e async for e in model.astream("hi")]

    answer, events = asyncio.run(run())
    assert answer == "async hello"
    assert "".join(e.delta for e in events) == "async stream" and events[-1].done
    assert events[-1].completion is not None and events[-1].completion.usage.ttft_s is not None


@pytest.mark.parametrize(("reply", "error"), [
    (text("a long answer that never ends", crash_after_chunks=2), ModelConnectionError),
    (text("cut short", truncate=True), ModelResponseError),
])
def test_async_broken_stream_raises(srv: FakeOpenAIServer, reply: FakeReply,
                                    error: type[Exception]) -> None:
    srv.add(reply)
    model = model_for(srv)

    async def run() -> None:
        async for _ in model.astream("hi"):
            pass

    with pytest.raises(error):
        asyncio.run(run())


def test_stream_without_finish_reason_is_not_taken_as_complete(srv: FakeOpenAIServer) -> None:
    srv.add(text("cut short", truncate=True))
    with pytest.raises(ModelResponseError, match="truncated"):
        collect(model_for(srv).stream("hi"))
