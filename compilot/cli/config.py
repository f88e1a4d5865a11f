"""`compilot config show`: the resolved configuration and where it came from."""

from __future__ import annotations

import typer

from compilot.cli._render import console, print_json, user_errors
from compilot.cli.options import JsonOpt, ModelNameOpt, ModelOpt, model_overrides
from compilot.config import load_settings, project_config_file, user_config_file

app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)


@app.command("show")
def show(model: ModelOpt = None, model_name: ModelNameOpt = None, json: JsonOpt = False) -> None:
    """Print the resolved configuration (flags > COMPILOT_* env > compilot.toml > user file)."""
    with user_errors():
        settings = load_settings(**model_overrides(model, model_name))
    project = project_config_file()
    user = user_config_file()
    files = {
        "project": str(project) if project else None,
        "user": str(user) if user.is_file() else None,
    }
    data = settings.model_dump(mode="json")
    if data["model"].get("api_key"):
        data["model"]["api_key"] = "***"
    if json:
        print_json({"config": data, "files": files})
        return
    import tomli_w

    console.print(f"# project file: {files['project'] or '(none)'}", markup=False)
    console.print(f"# user file:    {files['user'] or '(none: ' + str(user) + ')'}", markup=False)
    console.print(tomli_w.dumps(_drop_nulls(data)), markup=False)


def _drop_nulls(data: dict[str, object]) -> dict[str, object]:
    # TOML has no null; unset optional values are shown as absent.
    return {k: _drop_nulls(v) if isinstance(v, dict) else v
            for k, v in data.items() if v is not None}
