"""`compilot ask "..."`: one streamed answer from the configured model."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from compilot.cli._render import err_console, print_json, user_errors
from compilot.cli.options import JsonOpt, ModelNameOpt, ModelOpt, model_overrides
from compilot.config import load_settings
from compilot.llm.types import Completion, GenerationOptions, Message

SYSTEM = "You are a careful senior software engineer. Answer concisely; put code in fenced blocks."


def ask(
    prompt: Annotated[str, typer.Argument(help="What to ask the model.")],
    model: ModelOpt = None,
    model_name: ModelNameOpt = None,
    system: Annotated[str, typer.Option(help="System prompt.")] = SYSTEM,
    max_tokens: Annotated[int | None, typer.Option(help="Cap on generated tokens.")] = None,
    temperature: Annotated[float | None, typer.Option(help="Sampling temperature.")] = None,
    json: JsonOpt = False,
) -> None:
    """Ask the model and stream the answer (usage and speed go to stderr)."""
    from compilot.workflows.models import open_model

    with user_errors():
        settings = load_settings(**model_overrides(model, model_name))
        chat = open_model(settings, progress=not json)
        messages = [Message(role="system", content=system), Message(role="user", content=prompt)]
        options = GenerationOptions(
            max_tokens=max_tokens or settings.model.max_tokens,
            temperature=settings.model.temperature if temperature is None else temperature,
        )
        completion = _stream_to_stdout(chat, messages, options, quiet=json)
    if json:
        print_json({"text": completion.text, "model": chat.name,
                    "usage": completion.usage.model_dump(), "finish_reason":
                    completion.finish_reason})
        return
    usage = completion.usage
    speed = usage.completion_tokens / usage.latency_s if usage.latency_s else 0.0
    ttft = f"{usage.ttft_s:.2f}s" if usage.ttft_s is not None else "n/a"
    err_console.print(
        f"[{chat.name}] prompt {usage.prompt_tokens} tok, completion {usage.completion_tokens} "
        f"tok, {usage.latency_s:.1f}s ({speed:.1f} tok/s), first token {ttft}", markup=False,
        style="dim")


def _stream_to_stdout(chat: object, messages: list[Message], options: GenerationOptions,
                      *, quiet: bool) -> Completion:
    final: Completion | None = None
    for event in chat.stream(messages, options):  # type: ignore[attr-defined]
        if event.delta and not quiet:
            sys.stdout.write(event.delta)
            sys.stdout.flush()
        if event.completion is not None:
            final = event.completion
    if not quiet:
        sys.stdout.write("\n")
    if final is None:  # a well-behaved ChatModel always ends with a completion event
        from compilot.errors import ModelResponseError

        raise ModelResponseError("the model stream ended without a final answer")
    return final
