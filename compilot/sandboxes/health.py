"""`compilot doctor` checks for sandboxes: engine reachable, image present, mmdebstrap."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

from compilot.errors import ComPilotError
from compilot.health import Check

if TYPE_CHECKING:
    from compilot.config import Settings


def checks(settings: Settings) -> list[Check]:
    from compilot.sandboxes import engine

    config = settings.sandbox
    out: list[Check] = []
    try:
        version = engine.client().version().get("Version", "?")
        out.append(Check(name="docker engine", ok=True, detail=f"Docker {version}",
                         required=config.kind == "docker"))
        engine_ok = True
    except ComPilotError as exc:
        out.append(Check(name="docker engine", ok=False, detail=exc.message, fix=exc.hint,
                         required=config.kind == "docker" and not config.allow_unsandboxed))
        engine_ok = False
    name = engine.image_name(config)
    if engine_ok:
        try:
            engine.require_image(config)
            out.append(Check(name="sandbox image", ok=True, detail=name,
                             required=config.kind == "docker"))
        except ComPilotError as exc:
            out.append(Check(name="sandbox image", ok=False, detail=exc.message, fix=exc.hint,
                             required=config.kind == "docker"))
    else:
        out.append(Check(name="sandbox image", ok=False, detail=f"{name}: engine not reachable",
                         fix=engine.START_HINT, required=False))
    path = shutil.which("mmdebstrap")
    out.append(Check(name="mmdebstrap", ok=path is not None,
                     detail=path or "not installed (needed by `compilot sandbox build`)",
                     fix=None if path else "sudo apt-get install -y mmdebstrap", required=False))
    return out
