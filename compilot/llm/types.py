"""Data that crosses the model boundary: messages, tool calls, usage, completions.

Every other package talks to a model through :class:`ChatModel` and these frozen types,
never through litellm's or openai's objects.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant", "tool"]


class ToolCall(BaseModel):
    """One function call requested by the model."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    arguments: str
    """The arguments as the model wrote them (a JSON text); parse with :meth:`parsed`."""

    def parsed(self) -> dict[str, Any]:
        import json

        value = json.loads(self.arguments or "{}")
        if not isinstance(value, dict):
            raise ValueError(f"tool call arguments are not a JSON object: {self.arguments!r}")
        return value


class Message(BaseModel):
    """One chat message."""

    model_config = ConfigDict(frozen=True)

    role: Role
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None

    def to_openai(self) -> dict[str, Any]:
        """The OpenAI wire form. Assistant turns with tool calls carry ``content: ""``
        (llama.cpp's server answers HTTP 500 to ``null``)."""
        out: dict[str, Any] = {"role": self.role, "content": self.content or ""}
        if self.tool_calls:
            out["tool_calls"] = [
                {"id": c.id, "type": "function",
                 "function": {"name": c.name, "arguments": c.arguments}}
                for c in self.tool_calls
            ]
        if self.tool_call_id is not None:
            out["tool_call_id"] = self.tool_call_id
        if self.name is not None:
            out["name"] = self.name
        return out


class Usage(BaseModel):
    """Token and time accounting of one model call."""

    model_config = ConfigDict(frozen=True)

    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    """Wall time from sending the request to the last byte of the answer."""
    ttft_s: float | None = None
    """Time to first token (streamed calls only)."""

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            latency_s=self.latency_s + other.latency_s,
            ttft_s=self.ttft_s if self.ttft_s is not None else other.ttft_s,
        )


class Completion(BaseModel):
    """A finished model answer."""

    model_config = ConfigDict(frozen=True)

    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None
    usage: Usage = Field(default_factory=Usage)
    model: str = ""

    def message(self) -> Message:
        return Message(role="assistant", content=self.text, tool_calls=self.tool_calls)


class StreamEvent(BaseModel):
    """One piece of a streamed answer: a text delta, or the final completion (``done``)."""

    model_config = ConfigDict(frozen=True)

    delta: str = ""
    completion: Completion | None = None
    """Set on the last event only: the assembled answer with its usage."""

    @property
    def done(self) -> bool:
        return self.completion is not None


class GenerationOptions(BaseModel):
    """Per-call options. ``json_schema`` and ``grammar`` constrain the output where the
    server supports it (see :mod:`compilot.llm.probe`)."""

    model_config = ConfigDict(frozen=True)

    temperature: float | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    tools: tuple[dict[str, Any], ...] = ()
    tool_choice: str | dict[str, Any] | None = None
    json_schema: dict[str, Any] | None = None
    grammar: str | None = None
    seed: int | None = None
    timeout_s: float | None = None


MessagesLike = Sequence[Message] | str


@runtime_checkable
class ChatModel(Protocol):
    """What every part of compilot needs from a model."""

    name: str

    def complete(self, messages: MessagesLike, options: GenerationOptions | None = None,
                 ) -> Completion: ...

    def stream(self, messages: MessagesLike, options: GenerationOptions | None = None,
               ) -> Iterator[StreamEvent]: ...

    async def acomplete(self, messages: MessagesLike, options: GenerationOptions | None = None,
                        ) -> Completion: ...

    def astream(self, messages: MessagesLike, options: GenerationOptions | None = None,
                ) -> AsyncIterator[StreamEvent]: ...


def as_messages(messages: MessagesLike) -> list[Message]:
    """Accept a plain prompt string wherever a conversation is expected."""
    if isinstance(messages, str):
        return [Message(role="user", content=messages)]
    return list(messages)
