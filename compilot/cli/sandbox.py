"""`compilot sandbox ...`: build the image, remove orphaned containers, run a command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from compilot.cli._render import console, err_console, print_json, user_errors
from compilot.cli.options import AllowUnsandboxedOpt, JsonOpt, LocalOpt, sandbox_overrides

app = typer.Typer(help="Docker sandboxes: build the image, clean up, run a command.",
                  no_args_is_help=True)


@app.command()
def build(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Build even if it exists.")] = False,
    json: JsonOpt = False,
) -> None:
    """Build compilot-sandbox:<version> locally (mmdebstrap + docker import, no registry)."""
    from compilot.sandboxes.image import build_image

    with user_errors():
        if not json:
            err_console.print("building the sandbox image (about a minute)...", markup=False)
        result = build_image(rebuild=rebuild)
    if json:
        print_json({"image": result.image, "reused": result.reused,
                    "seconds": round(result.seconds, 1), "size_bytes": result.size_bytes})
        return
    state = "reused" if result.reused else f"built in {result.seconds:.1f} s"
    console.print(f"{result.image}: {state}, {result.size_bytes / 1e6:.0f} MB", markup=False)


@app.command()
def gc(
    everything: Annotated[bool, typer.Option("--all", help="Also containers of live runs.")]
    = False,
    json: JsonOpt = False,
) -> None:
    """Remove sandbox containers left behind by runs that have died."""
    from compilot.sandboxes import engine

    with user_errors():
        removed = engine.gc(everything=everything)
    if json:
        print_json({"removed": removed})
    else:
        console.print(f"removed {len(removed)} container(s) {' '.join(removed)}".rstrip(),
                      markup=False)


@app.command("exec")
def exec_(
    command: Annotated[str, typer.Argument(help="Shell command run by /bin/sh -c.")],
    workspace: Annotated[Path | None, typer.Option("--workspace", "-w", help="Folder copied "
                         "into /workspace (never modified).")] = None,
    image: Annotated[str | None, typer.Option("--image", help="Image to run.")] = None,
    network: Annotated[bool, typer.Option("--network", help="Allow network access.")] = False,
    local: LocalOpt = False,
    allow_unsandboxed: AllowUnsandboxedOpt = False,
    timeout: Annotated[float | None, typer.Option("--timeout", help="Seconds.")] = None,
    json: JsonOpt = False,
) -> None:
    """Run one command in a fresh sandbox and print its result (for debugging)."""
    from compilot.config import load_settings
    from compilot.sandboxes import make_sandbox

    with user_errors():
        settings = load_settings(sandbox={"image": image, "network": network or None,
                                          **sandbox_overrides(local, allow_unsandboxed)})
        with make_sandbox(settings.sandbox, workspace=workspace) as box:
            result = box.exec(command, timeout=timeout)
            changes = box.changes()
    if json:
        print_json({**result.__dict__, "changed": [*changes.added, *changes.modified],
                    "deleted": list(changes.deleted)})
    else:
        console.print(result.stdout, markup=False, end="")
        err_console.print(result.stderr, markup=False, end="")
        if result.timed_out or result.oom_killed:
            err_console.print("timed out" if result.timed_out else "killed: out of memory",
                              markup=False)
    raise typer.Exit(result.exit_code)
