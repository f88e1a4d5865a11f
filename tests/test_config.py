"""Configuration precedence: flags > COMPILOT_* env > compilot.toml > user file > defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from compilot.config import load_settings
from compilot.errors import ConfigError


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project dir as cwd, a user config file, and no stray COMPILOT_* variables."""
    for key in list(__import__("os").environ):
        if key.startswith("COMPILOT_"):
            monkeypatch.delenv(key)
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    monkeypatch.chdir(project / "sub")
    monkeypatch.setenv("COMPILOT_CONFIG", str(tmp_path / "user.toml"))
    return tmp_path


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_defaults(isolated: Path) -> None:
    s = load_settings()
    assert s.model.source == "bundled:qwen2.5-coder-1.5b"
    assert s.sandbox.network is False
    assert s.server.host == "127.0.0.1"


def test_each_layer_overrides_the_one_below(isolated: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    write(isolated / "user.toml",
          '[model]\nsource = "user-src"\nmax_tokens = 11\ntemperature = 0.5\n'
          '[server]\nn_ctx = 1024\n')
    write(isolated / "project" / "compilot.toml",
          '[model]\nsource = "project-src"\nmax_tokens = 22\n')
    monkeypatch.setenv("COMPILOT_MODEL__SOURCE", "env-src")

    s = load_settings()
    assert s.model.source == "env-src"        # env beats project
    assert s.model.max_tokens == 22            # project beats user
    assert s.model.temperature == 0.5          # user beats default
    assert s.server.n_ctx == 1024

    s = load_settings(model={"source": "flag-src", "name": None})
    assert s.model.source == "flag-src"        # flag beats env
    assert s.model.max_tokens == 22            # a None flag does not shadow lower layers


def test_invalid_value_names_the_field(isolated: Path) -> None:
    write(isolated / "project" / "compilot.toml", "[sandbox]\ncpus = -1\n")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "sandbox.cpus" in str(info.value)
    assert "config show" in str(info.value)


def test_unknown_key_is_rejected(isolated: Path) -> None:
    write(isolated / "project" / "compilot.toml", "[model]\nsorce = 'typo'\n")
    with pytest.raises(ConfigError, match="sorce"):
        load_settings()


def test_malformed_toml_is_a_config_error(isolated: Path) -> None:
    write(isolated / "project" / "compilot.toml", "[model\nsource = \n")
    with pytest.raises(ConfigError, match="TOML|toml|configuration"):
        load_settings()


def test_bad_env_value(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPILOT_SERVER__PORT", "99999")
    with pytest.raises(ConfigError, match="server.port"):
        load_settings()
