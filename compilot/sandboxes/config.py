"""Configuration of code-execution sandboxes. Every relaxation of the defaults is explicit."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SandboxConfig(BaseModel):
    """How generated code is isolated."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["docker", "local"] = "docker"
    """`docker` (isolated, default) or `local` (no isolation; prints a warning)."""
    image: str | None = None
    """Image to run; default: the locally built `compilot-sandbox:<version>`."""
    network: bool = False
    """Allow network access (off by default)."""
    memory: str = "2g"
    """Memory limit (Docker notation)."""
    cpus: float = Field(default=1.0, gt=0)
    """CPU limit in cores."""
    pids: int = Field(default=256, ge=16)
    """Maximum number of processes."""
    timeout_s: float = Field(default=120.0, gt=0)
    """Default timeout of one command."""
    pool_size: int = Field(default=0, ge=0, le=32)
    """Started containers kept warm for fast acquisition."""
    allow_unsandboxed: bool = False
    """Fall back to the local sandbox when Docker is missing."""
    user: str = "1000:1000"
    """uid:gid commands run as; root (`0:0`) only when set explicitly."""
    read_only_root: bool = True
    """Mount the image read-only (only /workspace and a tmpfs /tmp are writable)."""
    tmp_size: str = "512m"
    """Size of the tmpfs mounted on /tmp."""
    output_limit: int = Field(default=1_000_000, ge=1024)
    """Bytes of stdout and of stderr kept per command (head and tail; the middle is dropped)."""
