"""The resolved configuration of a compilot run.

Precedence, highest first:
1. values passed in code or as CLI flags (``Settings(**overrides)``);
2. ``COMPILOT_*`` environment variables (nested with ``__``: ``COMPILOT_MODEL__SOURCE``);
3. the project file ``compilot.toml`` (nearest one in the current directory or a parent);
4. the user file (``$COMPILOT_CONFIG`` or ``<user config dir>/compilot/config.toml``);
5. defaults.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from platformdirs import user_cache_dir, user_config_dir
from pydantic import Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from compilot.errors import ConfigError
from compilot.llm.config import ModelConfig, ServerConfig
from compilot.sandboxes.config import SandboxConfig

PROJECT_FILE = "compilot.toml"


def default_home() -> Path:
    """Where models, server state and caches live (``COMPILOT_HOME`` overrides)."""
    return Path(user_cache_dir("compilot"))


def user_config_file() -> Path:
    env = os.environ.get("COMPILOT_CONFIG")
    if env:
        return Path(env)
    return Path(user_config_dir("compilot")) / "config.toml"


def project_config_file(start: Path | None = None) -> Path | None:
    """The nearest ``compilot.toml`` from ``start`` (default: cwd) upwards."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / PROJECT_FILE
        if candidate.is_file():
            return candidate
    return None


class Settings(BaseSettings):
    """Everything a compilot run can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="COMPILOT_", env_nested_delimiter="__", extra="forbid",
        validate_default=True,
    )

    home: Path = Field(default_factory=default_home)
    """Cache for model weights, server state and probe results."""
    model: ModelConfig = Field(default_factory=ModelConfig)
    """The model and how it is called."""
    server: ServerConfig = Field(default_factory=ServerConfig)
    """The local llama.cpp server."""
    sandbox: SandboxConfig = Field(default_factory=SandboxConfig)
    """Code-execution isolation."""

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        project = project_config_file()
        if project is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=project))
        user = user_config_file()
        if user.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=user))
        return tuple(sources)


def load_settings(**overrides: Any) -> Settings:
    """Resolve the configuration; invalid values raise :class:`ConfigError` naming them."""
    cleaned = _drop_none(overrides)
    try:
        return Settings(**cleaned)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']} (got {err.get('input')!r})"
            for err in exc.errors()
        )
        raise ConfigError(
            f"invalid configuration: {problems}",
            hint="check compilot.toml, your user config, COMPILOT_* variables and flags; "
                 "`compilot config show` prints what is resolved",
        ) from exc
    except (OSError, ValueError) as exc:  # unreadable or malformed TOML
        raise ConfigError(f"cannot read configuration: {exc}",
                          hint="fix the TOML syntax of compilot.toml or your user config") from exc


def _drop_none(value: dict[str, Any]) -> dict[str, Any]:
    """CLI flags the user did not pass arrive as None and must not shadow lower sources."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, dict):
            nested = _drop_none(item)
            if nested:
                out[key] = nested
        elif item is not None:
            out[key] = item
    return out
