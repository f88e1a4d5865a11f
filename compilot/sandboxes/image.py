"""Build the sandbox image without a registry: mmdebstrap rootfs -> docker import -> layer.

``compilot sandbox build`` calls :func:`build_image`. The Debian mirror and suite are the ones
this machine's apt already uses (/etc/apt/sources.list and sources.list.d); without them
mmdebstrap picks its own default. An image that exists is reused unless ``rebuild``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from compilot.errors import SandboxError
from compilot.sandboxes import engine

PACKAGES = ("python3", "python3-pip", "python3-venv", "python3-pytest", "git",
            "ca-certificates", "procps")
EXCLUDES = ("/usr/share/doc/*", "/usr/share/man/*", "/usr/share/info/*", "/usr/share/locale/*")
APT_DIR = Path("/etc/apt")


@dataclass(frozen=True)
class BuildResult:
    image: str
    reused: bool
    seconds: float
    size_bytes: int


def host_codename(os_release: Path = Path("/etc/os-release")) -> str | None:
    try:
        for line in os_release.read_text().splitlines():
            if line.startswith("VERSION_CODENAME="):
                return line.split("=", 1)[1].strip().strip('"') or None
    except OSError:
        return None
    return None


def _deb822_entries(text: str) -> list[tuple[str, str, str]]:
    out = []
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if ":" in line and not line.startswith(("#", " ")):
                key, _, value = line.partition(":")
                fields[key.strip().lower()] = value.strip()
        if "deb" not in fields.get("types", "").split() or fields.get("enabled") == "no":
            continue
        for uri in fields.get("uris", "").split():
            for suite in fields.get("suites", "").split():
                out.append((uri, suite, fields.get("components", "main")))
    return out


def _one_line_entries(text: str) -> list[tuple[str, str, str]]:
    out = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) >= 3 and words[0] == "deb":
            if words[1].startswith("["):  # options such as [signed-by=...]
                words = [words[0]] + words[words.index(next(w for w in words
                                                         if w.endswith("]"))) + 1:]
            if len(words) >= 3:
                out.append((words[1], words[2], " ".join(words[3:]) or "main"))
    return out


def host_mirrors(apt_dir: Path = APT_DIR, codename: str | None = None) -> list[str]:
    """``deb URI SUITE COMPONENTS`` lines of the host's Debian sources for ``codename``."""
    codename = codename or host_codename()
    entries: list[tuple[str, str, str]] = []
    files = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*"))]
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        if path.suffix == ".sources":
            entries += _deb822_entries(text)
        elif path.suffix == ".list" or path.name == "sources.list":
            entries += _one_line_entries(text)
    return [f"deb {uri} {suite} main" for uri, suite, components in entries
            if codename and suite.split("-")[0] == codename and "main" in components.split()]


def mmdebstrap_command(target: Path, mirrors: list[str], suite: str | None) -> list[str]:
    cmd = ["mmdebstrap", "--variant=apt", "--include=" + ",".join(PACKAGES),
           "--aptopt=APT::Install-Recommends \"false\"", "--quiet"]
    cmd += [f"--dpkgopt=path-exclude={pattern}" for pattern in EXCLUDES]
    return [*cmd, suite or "stable", str(target), *mirrors]


def _run_mmdebstrap(target: Path) -> None:
    if shutil.which("mmdebstrap") is None:
        raise SandboxError("mmdebstrap is not installed (it builds the sandbox's Debian rootfs)",
                           hint="sudo apt-get install -y mmdebstrap")
    mirrors = host_mirrors()
    suite = host_codename() if mirrors else None
    proc = subprocess.run(mmdebstrap_command(target, mirrors, suite), capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        raise SandboxError(
            f"mmdebstrap failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}",
            hint="check that a Debian mirror is reachable; mmdebstrap needs root or unshare")


def build_image(*, rebuild: bool = False, tag: str | None = None) -> BuildResult:
    """Build ``compilot-sandbox:<version>`` (or ``tag``); reuse it when present."""
    import docker.errors

    name = tag or engine.default_image()
    images = engine.client().images
    start = time.monotonic()
    if not rebuild:
        try:
            found = images.get(name)
            return BuildResult(name, True, 0.0, int(found.attrs.get("Size", 0)))
        except docker.errors.ImageNotFound:
            pass
    base = name.replace(engine.IMAGE_REPO, engine.IMAGE_REPO + "-base", 1)
    with tempfile.TemporaryDirectory(prefix="compilot-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs.tar"
        _run_mmdebstrap(rootfs)
        _import_and_layer(rootfs, base, name)
    size = int(images.get(name).attrs.get("Size", 0))
    return BuildResult(name, False, time.monotonic() - start, size)


def _import_and_layer(rootfs: Path, base: str, name: str) -> None:
    repo, _, version = base.rpartition(":")
    api = engine.client().api
    with engine.translated("importing the rootfs"):
        api.import_image_from_file(str(rootfs), repository=repo, tag=version)
    context = resources.files("compilot.sandboxes") / "image"
    with resources.as_file(context) as folder, engine.translated("building the sandbox layer"):
        engine.client().images.build(
            path=str(folder), dockerfile="Dockerfile.local", tag=name, rm=True,
            forcerm=True, network_mode="none", buildargs={"BASE": base},
            labels={"compilot.version": version},
        )
