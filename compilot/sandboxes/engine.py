"""The Docker engine boundary: connecting, translating docker errors, hardened containers, gc.

Nothing outside ``compilot.sandboxes`` sees ``docker.errors.*``: they become SandboxError,
DockerUnavailableError or SandboxImageMissingError here.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from compilot import __version__
from compilot._proc import pid_alive
from compilot.errors import DockerUnavailableError, SandboxError, SandboxImageMissingError
from compilot.sandboxes.config import SandboxConfig

if TYPE_CHECKING:
    import docker

IMAGE_REPO = "compilot-sandbox"
WORKDIR = "/workspace"
LABEL = "compilot.sandbox"
START_HINT = ("start the Docker engine: `sudo systemctl start docker` (or `sudo dockerd &`); "
              "check DOCKER_HOST and that your user may use /var/run/docker.sock")
BUILD_HINT = "compilot sandbox build"

_client: docker.DockerClient | None = None
_client_lock = threading.Lock()


def default_image() -> str:
    return f"{IMAGE_REPO}:{__version__}"


def image_name(config: SandboxConfig) -> str:
    return config.image or default_image()


def client() -> docker.DockerClient:
    """One shared, pinged client per process; DockerUnavailableError when the engine is away."""
    global _client
    with _client_lock:
        if _client is None:
            try:
                import docker
                new = docker.from_env(timeout=120)
                new.ping()
            except Exception as exc:  # docker raises DockerException, requests or OSError
                raise DockerUnavailableError(
                    f"the Docker engine is not reachable ({exc})", hint=START_HINT) from exc
            _client = new
        return _client


@contextmanager
def translated(action: str) -> Iterator[None]:
    """Turn docker SDK and transport errors raised inside into compilot errors."""
    import docker.errors
    import requests.exceptions

    try:
        yield
    except docker.errors.ImageNotFound as exc:
        raise SandboxImageMissingError(f"{action}: image not found ({exc.explanation})",
                                       hint=BUILD_HINT) from exc
    except docker.errors.APIError as exc:
        raise SandboxError(f"{action}: {exc.explanation or exc}") from exc
    except docker.errors.DockerException as exc:
        raise SandboxError(f"{action}: {exc}") from exc
    except requests.exceptions.ConnectionError as exc:
        raise DockerUnavailableError(f"{action}: lost the Docker engine ({exc})",
                                     hint=START_HINT) from exc


def labels(run_id: str, *, pooled: bool = False) -> dict[str, str]:
    out = {LABEL: "1", "compilot.run_id": run_id, "compilot.pid": str(os.getpid()),
           "compilot.host": socket.gethostname()}
    if pooled:
        out["compilot.pool"] = "1"
    return out


def require_image(config: SandboxConfig) -> str:
    """The image name, or SandboxImageMissingError naming the build command."""
    import docker.errors

    name = image_name(config)
    try:
        client().images.get(name)
    except docker.errors.ImageNotFound as exc:
        hint = BUILD_HINT if config.image is None else f"docker pull {name} (or docker build)"
        raise SandboxImageMissingError(f"sandbox image {name} is not present", hint=hint) from exc
    except Exception as exc:
        raise DockerUnavailableError(f"cannot query images ({exc})", hint=START_HINT) from exc
    return name


def host_config(config: SandboxConfig) -> dict[str, Any]:
    """The hardened defaults; every relaxation comes from an explicit config field."""
    from docker.types import Mount

    return dict(
        network_mode="bridge" if config.network else "none",
        mem_limit=config.memory, memswap_limit=config.memory,
        nano_cpus=int(config.cpus * 1e9), pids_limit=config.pids,
        read_only=config.read_only_root,
        tmpfs={"/tmp": f"rw,nosuid,nodev,size={config.tmp_size},mode=1777"},
        mounts=[Mount(WORKDIR, None, type="volume")],
        cap_drop=["ALL"], security_opt=["no-new-privileges:true"],
        init=True, ipc_mode="private",
    )


def create_container(config: SandboxConfig, run_id: str, *, pooled: bool = False) -> str:
    """Create and start a hardened, idle container; return its id."""
    api = client().api
    image = require_image(config)
    with translated("creating the sandbox container"):
        created = api.create_container(
            image, command=["sleep", "infinity"], entrypoint=[], user=config.user,
            working_dir=WORKDIR, hostname="sandbox", labels=labels(run_id, pooled=pooled),
            environment={"HOME": "/tmp", "PYTHONUNBUFFERED": "1", "LANG": "C.UTF-8"},
            host_config=api.create_host_config(**host_config(config)),
        )
        cid: str = created["Id"]
    try:
        with translated("starting the sandbox container"):
            api.start(cid)
    except SandboxError:
        remove_container(cid)
        raise
    return cid


def remove_container(cid: str) -> None:
    """Remove a container and its workspace volume; a container already gone is fine."""
    import docker.errors

    try:
        client().api.remove_container(cid, v=True, force=True)
    except docker.errors.NotFound:
        return
    except docker.errors.APIError as exc:
        if exc.status_code == 409:  # removal already in progress
            return
        raise SandboxError(f"cannot remove sandbox container {cid[:12]}: {exc}") from exc


def orphans(*, everything: bool = False) -> list[dict[str, Any]]:
    """Labelled containers whose host process is gone (all of them with ``everything``)."""
    with translated("listing sandbox containers"):
        found = client().api.containers(all=True, filters={"label": f"{LABEL}=1"})
    host = socket.gethostname()
    out = []
    for item in found:
        lab = item.get("Labels") or {}
        pid = int(lab.get("compilot.pid", "0") or 0)
        same_host = lab.get("compilot.host") == host
        if everything or (same_host and not pid_alive(pid)):
            out.append(item)
    return out


def gc(*, everything: bool = False) -> list[str]:
    """Remove orphaned sandbox containers; return their short ids."""
    removed = []
    for item in orphans(everything=everything):
        remove_container(item["Id"])
        removed.append(item["Id"][:12])
    return removed
