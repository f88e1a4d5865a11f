"""ScriptedModel and FunctionModel: the in-process doubles of a ChatModel."""

from __future__ import annotations

import asyncio

import pytest

from compilot.llm import ChatModel, Completion, GenerationOptions, Message, ToolCall
from compilot.testing import FunctionModel, ScriptedModel, ScriptExhaustedError
from compilot.testing.models import script


def test_scripted_model_answers_in_order_then_raises() -> None:
    model = ScriptedModel(script("one", "two"))
    assert isinstance(model, ChatModel)
    assert [model.complete("a").text, model.complete("b").text] == ["one", "two"]
    with pytest.raises(ScriptExhaustedError, match="ran out after 2"):
        model.complete("c")
    assert [r.messages[-1].content for r in model.requests] == ["a", "b", "c"]


def test_scripted_model_records_options_and_conversation() -> None:
    model = ScriptedModel(["ok"])
    options = GenerationOptions(max_tokens=5, grammar="root ::= \"ok\"")
    model.complete([Message(role="system", content="s"), Message(role="user", content="u")],
                   options)
    (request,) = model.requests
    assert [m.role for m in request.messages] == ["system", "user"]
    assert request.options == options and model.remaining == 0


def test_tool_call_and_exception_replies() -> None:
    call = ToolCall(id="c1", name="add", arguments='{"a": 1}')
    model = ScriptedModel([call, RuntimeError("server down")])
    answer = model.complete("add")
    assert answer.tool_calls == (call,) and answer.finish_reason == "tool_calls"
    assert answer.message().tool_calls == (call,)
    with pytest.raises(RuntimeError, match="server down"):
        model.complete("again")


def test_stream_ends_with_the_completion() -> None:
    model = ScriptedModel(["a fairly long streamed answer"])
    events = list(model.stream("hi"))
    assert "".join(e.delta for e in events) == "a fairly long streamed answer"
    assert events[-1].done and not any(e.done for e in events[:-1])


def test_completion_replies_pass_through() -> None:
    done = Completion(text="x", finish_reason="length")
    assert ScriptedModel([done]).complete("hi") is done


def test_function_model_answers_from_the_conversation() -> None:
    model = FunctionModel(lambda msgs, opts: f"{len(msgs)}:{msgs[-1].content}:{opts.seed}")
    assert model.complete("hi", GenerationOptions(seed=3)).text == "1:hi:3"
    assert len(model.requests) == 1


def test_async_calls_run_concurrently_and_record() -> None:
    model = ScriptedModel(["a", "b", "c"], delay_s=0.05)

    async def run() -> list[str]:
        answers = await asyncio.gather(*(model.acomplete(p) for p in ("1", "2")))
        streamed = [e.delta async for e in model.astream("3")]
        return [a.text for a in answers] + ["".join(streamed)]

    assert sorted(asyncio.run(run())) == ["a", "b", "c"]
    assert len(model.requests) == 3


def test_base_class_cannot_be_used_without_an_answer() -> None:
    from compilot.testing.models import _DoubleBase

    with pytest.raises(TypeError, match="abstract"):
        _DoubleBase()  # type: ignore[abstract]
