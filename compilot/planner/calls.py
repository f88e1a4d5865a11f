"""Model-call records shared by the planner and the joiner (for traces)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from compilot.llm.types import ChatModel, Completion, GenerationOptions, Message


@dataclass(frozen=True)
class ModelCall:
    """One model call of a run: what it was for, tokens and latency."""

    purpose: str
    """``plan``, ``repair``, ``join``."""
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    ttft_s: float | None = None


ModelCallSink = Callable[[ModelCall], None]


async def stream_text(model: ChatModel, messages: list[Message], options: GenerationOptions,
                      ) -> AsyncIterator[str | Completion]:
    """The text deltas of a streamed answer, then its :class:`Completion` last."""
    final: Completion | None = None
    async for event in model.astream(messages, options):
        if event.completion is not None:
            final = event.completion
        elif event.delta:
            yield event.delta
    if final is None:
        final = Completion()
    yield final


def record(sink: ModelCallSink | None, purpose: str, completion: Completion) -> None:
    if sink is not None:
        u = completion.usage
        sink(ModelCall(purpose, u.prompt_tokens, u.completion_tokens, u.latency_s, u.ttft_s))
