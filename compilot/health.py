"""Health checks shared by `compilot doctor`: each component reports its own state."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Check(BaseModel):
    """One line of `compilot doctor`."""

    model_config = ConfigDict(frozen=True)

    name: str
    ok: bool
    detail: str = ""
    """What was found (version, path, error)."""
    fix: str | None = None
    """The exact command that fixes a failing check."""
    required: bool = True
    """A failing optional check is reported but does not fail `doctor`."""
