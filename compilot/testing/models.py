"""Deterministic model doubles that implement :class:`compilot.llm.ChatModel`.

``ScriptedModel`` answers from a fixed script, records every request, and RAISES when the
script runs out: a fake that loops or goes silent would hide a runaway agent.
``FunctionModel`` answers by calling a function of the conversation.
"""

from __future__ import annotations

import abc
import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field

from compilot.llm.types import (
    Completion,
    GenerationOptions,
    Message,
    MessagesLike,
    StreamEvent,
    ToolCall,
    Usage,
    as_messages,
)

Reply = str | Completion | ToolCall | BaseException


class ScriptExhaustedError(AssertionError):
    """The code under test asked for more model turns than the script holds."""


@dataclass(frozen=True)
class RecordedRequest:
    """One call the code under test made."""

    messages: tuple[Message, ...]
    options: GenerationOptions


def _count_tokens(text: str) -> int:
    # A stable, model-free stand-in for a tokenizer: roughly one token per 4 characters.
    return max(1, len(text) // 4) if text else 0


def _to_completion(reply: Reply, messages: list[Message], model: str) -> Completion:
    if isinstance(reply, BaseException):
        raise reply
    if isinstance(reply, Completion):
        return reply
    prompt = sum(_count_tokens(m.content) for m in messages)
    if isinstance(reply, ToolCall):
        usage = Usage(prompt_tokens=prompt, completion_tokens=_count_tokens(reply.arguments))
        return Completion(tool_calls=(reply,), finish_reason="tool_calls", usage=usage,
                          model=model)
    usage = Usage(prompt_tokens=prompt, completion_tokens=_count_tokens(reply))
    return Completion(text=reply, finish_reason="stop", usage=usage, model=model)


def _stream_of(completion: Completion, chunk: int = 8) -> Iterator[StreamEvent]:
    text = completion.text
    for start in range(0, len(text), chunk):
        yield StreamEvent(delta=text[start:start + chunk])
    yield StreamEvent(completion=completion)


class _DoubleBase(abc.ABC):
    """Recording and the sync/async/stream plumbing shared by the doubles; each double
    only decides how to answer."""

    name: str
    requests: list[RecordedRequest]
    delay_s: float
    _lock: threading.Lock

    @abc.abstractmethod
    def _answer(self, messages: list[Message], options: GenerationOptions) -> Completion:
        """The reply to one recorded request."""

    def _record(self, messages: MessagesLike, options: GenerationOptions | None,
                ) -> tuple[list[Message], GenerationOptions]:
        msgs = as_messages(messages)
        opts = options or GenerationOptions()
        with self._lock:
            self.requests.append(RecordedRequest(tuple(msgs), opts))
        return msgs, opts

    def complete(self, messages: MessagesLike, options: GenerationOptions | None = None,
                 ) -> Completion:
        msgs, opts = self._record(messages, options)
        return self._answer(msgs, opts)

    def stream(self, messages: MessagesLike, options: GenerationOptions | None = None,
               ) -> Iterator[StreamEvent]:
        yield from _stream_of(self.complete(messages, options))

    async def acomplete(self, messages: MessagesLike, options: GenerationOptions | None = None,
                        ) -> Completion:
        await asyncio.sleep(self.delay_s)
        return self.complete(messages, options)

    async def astream(self, messages: MessagesLike, options: GenerationOptions | None = None,
                      ) -> AsyncIterator[StreamEvent]:
        completion = await self.acomplete(messages, options)
        for event in _stream_of(completion):
            yield event


@dataclass
class ScriptedModel(_DoubleBase):
    """Answers with ``script`` in order: text, a ``Completion``, a ``ToolCall``, or an
    exception instance to raise. Raises :class:`ScriptExhaustedError` past the end."""

    script: list[Reply]
    name: str = "scripted"
    delay_s: float = 0.0
    """Async calls sleep this long first (to exercise concurrency)."""
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.script = list(self.script)
        self._lock = threading.Lock()
        self._next = 0

    @property
    def remaining(self) -> int:
        return len(self.script) - self._next

    def _answer(self, messages: list[Message], options: GenerationOptions) -> Completion:
        with self._lock:
            if self._next >= len(self.script):
                raise ScriptExhaustedError(
                    f"ScriptedModel ran out after {len(self.script)} replies; "
                    f"call {len(self.requests)} asked: {messages[-1].content[:200]!r}")
            reply = self.script[self._next]
            self._next += 1
        return _to_completion(reply, messages, self.name)


@dataclass
class FunctionModel(_DoubleBase):
    """Answers ``fn(messages, options)``; the function returns a reply like a script item."""

    fn: Callable[[list[Message], GenerationOptions], Reply]
    name: str = "function"
    delay_s: float = 0.0
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def _answer(self, messages: list[Message], options: GenerationOptions) -> Completion:
        return _to_completion(self.fn(messages, options), messages, self.name)


def script(*replies: Reply) -> list[Reply]:
    """Readable helper: ``ScriptedModel(script("a", "b"))``."""
    return list(replies)


def replies_of(model: ScriptedModel | FunctionModel) -> Iterable[str]:
    """The last user message of every recorded request (handy in assertions)."""
    return [r.messages[-1].content for r in model.requests]
