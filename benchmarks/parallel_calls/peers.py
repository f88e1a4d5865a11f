"""Peers on the same llama.cpp server through its OpenAI-compatible URL: LangGraph's
prebuilt ReAct agent and the PyPI package ``llmcompiler`` (2.0.1). Only the benchmark's own
environment has them (setup_env.sh)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench_tools import LATENCY_S, evaluate, search_fact
from facts import lookup

from compilot.llm.client import LiteLLMModel


class _Usage:
    """A LangChain callback counting model calls and tokens."""

    def __new__(cls) -> Any:
        from langchain_core.callbacks import BaseCallbackHandler

        class Handler(BaseCallbackHandler):
            def __init__(self) -> None:
                self.calls, self.tokens, self.completion = 0, 0, 0

            def on_llm_end(self, response: Any, **kwargs: Any) -> None:
                self.calls += 1
                usage = (response.llm_output or {}).get("token_usage") or {}
                self.tokens += int(usage.get("total_tokens") or 0)
                self.completion += int(usage.get("completion_tokens") or 0)
        return Handler()


def _chat(model: LiteLLMModel, usage: Any) -> Any:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(base_url=model.endpoint.api_base, api_key="sk-local",
                      model=model.endpoint.model.split("/", 1)[-1], temperature=0.0,
                      max_tokens=256, timeout=300, max_retries=0, callbacks=[usage])


def _lc_tools() -> list[Any]:
    from langchain_core.tools import StructuredTool

    def search(country: str, field: str) -> Any:
        """Look up one fact about a country. field is one of: population (people),
        area (km2), capital, region, borders (names of neighbouring countries)."""
        time.sleep(LATENCY_S)
        return lookup(country, field)

    async def asearch(country: str, field: str) -> Any:
        return await search_fact(country, field)

    def math(expression: str) -> float:
        """Evaluate an arithmetic expression, e.g. "(3 + 4) / 2" or "max(3, 9)"."""
        return evaluate(expression)

    return [StructuredTool.from_function(func=search, coroutine=asearch, name="search",
                                         handle_tool_error=True),
            StructuredTool.from_function(func=math, name="math", handle_tool_error=True)]


def _result(answer: Any, usage: Any, tool_calls: int) -> dict[str, Any]:
    return {"answer": None if answer is None else str(answer), "model_calls": usage.calls,
            "tokens": usage.tokens, "completion_tokens": usage.completion,
            "tool_calls": tool_calls}


async def langgraph_react(question: str, model: LiteLLMModel) -> dict[str, Any]:
    from langgraph.prebuilt import create_react_agent

    usage = _Usage()
    agent = create_react_agent(_chat(model, usage), _lc_tools())
    try:
        out = await agent.ainvoke({"messages": [("user", question)]}, {"recursion_limit": 25})
    except Exception as exc:
        rec = _result(None, usage, 0)
        rec["error"] = f"{type(exc).__name__}: {exc}"[:500]
        return rec
    msgs = out["messages"]
    calls = sum(len(getattr(m, "tool_calls", None) or ()) for m in msgs)
    return _result(msgs[-1].content, usage, calls)


def _llmcompiler_sync(question: str, model: LiteLLMModel) -> dict[str, Any]:
    from llmcompiler.chat.run import RunLLMCompiler
    from llmcompiler.result.chat import ChatRequest

    usage = _Usage()
    agent = RunLLMCompiler(ChatRequest(message=question), tools=_lc_tools(),
                           llm=_chat(model, usage), print_graph=False, print_dag=False)
    try:
        response = agent.run(recursion_limit=2)
    except Exception as exc:
        rec = _result(None, usage, 0)
        rec["error"] = f"{type(exc).__name__}: {exc}"[:500]
        return rec
    return _result(response.response, usage, -1)


async def llmcompiler_peer(question: str, model: LiteLLMModel) -> dict[str, Any]:
    return await asyncio.to_thread(_llmcompiler_sync, question, model)
