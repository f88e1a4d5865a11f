"""`compilot doctor` checks of model access: runtime, weights, local server, remote endpoint."""

from __future__ import annotations

import importlib.util
from importlib import metadata
from typing import TYPE_CHECKING

import httpx

from compilot.errors import ComPilotError
from compilot.health import Check
from compilot.llm.bundled import bundled_path, is_bundled_ready
from compilot.llm.server import LocalServer
from compilot.llm.sources import ModelSource, parse_source

if TYPE_CHECKING:
    from compilot.config import Settings


def checks(settings: Settings) -> list[Check]:
    """The model-access lines of `compilot doctor` for the configured source."""
    try:
        source = parse_source(settings.model.source)
    except ComPilotError as exc:
        return [Check(name="model source", ok=False, detail=exc.message, fix=exc.hint)]
    out = [Check(name="model source", ok=True, detail=source.raw)]
    if source.is_local:
        out.append(_llama_cpp())
        if source.kind == "bundled":
            out.append(_bundled_file(settings, source))
        out.append(_server(settings))
    elif source.kind == "openai":
        out.append(_openai_endpoint(source, settings.model.name))
    return out


def _llama_cpp() -> Check:
    name = "llama-cpp-python"
    if importlib.util.find_spec("llama_cpp") is None:
        return Check(name=name, ok=False, detail="not installed",
                     fix="pip install 'compilot[local]'")
    try:
        version = metadata.version("llama_cpp_python")
    except metadata.PackageNotFoundError:
        version = "unknown version"
    return Check(name=name, ok=True, detail=version)


def _bundled_file(settings: Settings, source: ModelSource) -> Check:
    path = bundled_path(source.value, settings.home)
    fix = f"compilot model pull --model {source.raw}"
    if is_bundled_ready(source.value, settings.home):
        return Check(name="model weights", ok=True, detail=str(path))
    if path.exists():
        return Check(name="model weights", ok=False, detail=f"{path} is not verified", fix=fix)
    return Check(name="model weights", ok=False, detail=f"{path} missing", fix=fix)


def _server(settings: Settings) -> Check:
    states = LocalServer(settings.home, settings.server).running()
    if not states:
        return Check(name="local model server", ok=True, required=False,
                     detail="not running; started on demand (or: compilot model serve)")
    return Check(name="local model server", ok=True, required=False,
                 detail="; ".join(f"{s.alias} at {s.base_url} (pid {s.pid})" for s in states))


def _openai_endpoint(source: ModelSource, model_name: str | None) -> Check:
    name = "model endpoint"
    fix = f"start the server behind {source.value}, or change model.source"
    try:
        response = httpx.get(f"{source.value}/models", timeout=5.0)
    except httpx.HTTPError as exc:
        return Check(name=name, ok=False, detail=f"{source.value}: {exc}", fix=fix)
    if response.status_code != 200:
        return Check(name=name, ok=False, fix=fix,
                     detail=f"{source.value}/models answered HTTP {response.status_code}")
    if not model_name:
        return Check(name=name, ok=False, detail=f"{source.value} reachable; model.name unset",
                     fix="COMPILOT_MODEL__NAME=<model id from /v1/models> compilot doctor")
    return Check(name=name, ok=True, detail=f"{source.value} reachable; model {model_name}")
