"""Option declarations shared by several commands, so flags read the same everywhere."""

from __future__ import annotations

from typing import Annotated

import typer

ModelOpt = Annotated[
    str | None,
    typer.Option("--model", "-m", help="Model source: bundled:NAME, gguf:PATH, "
                 "openai:URL (with --model-name), or a litellm model string."),
]
ModelNameOpt = Annotated[
    str | None, typer.Option("--model-name", help="Model id sent to an openai: endpoint."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document for machines.")]
LocalOpt = Annotated[bool, typer.Option("--local", help="LocalSandbox: NO isolation.")]
AllowUnsandboxedOpt = Annotated[bool, typer.Option(
    "--allow-unsandboxed", help="Run locally when Docker is missing.")]


def model_overrides(model: str | None, model_name: str | None = None) -> dict[str, object]:
    """CLI flags as a nested override dict for :func:`compilot.config.load_settings`."""
    return {"model": {"source": model, "name": model_name}}


def sandbox_overrides(local: bool, allow_unsandboxed: bool) -> dict[str, object]:
    """The sandbox flags as overrides; an unset flag leaves config files in charge."""
    return {"kind": "local" if local else None, "allow_unsandboxed": allow_unsandboxed or None}
