"""A warm pool of started sandbox containers, so acquiring one costs a queue pop.

A background thread keeps ``size`` containers started; ``acquire()`` hands one out (or
creates one on the spot when the pool is empty) and wakes the filler to replace it.
"""

from __future__ import annotations

import functools
import logging
import queue
import threading
import uuid
from pathlib import Path
from types import TracebackType

from compilot.errors import SandboxError
from compilot.sandboxes import engine
from compilot.sandboxes.config import SandboxConfig
from compilot.sandboxes.docker_sandbox import DockerSandbox
from compilot.sandboxes.lifecycle import REAPER

log = logging.getLogger(__name__)


class SandboxPool:
    """``with SandboxPool(config, size=4) as pool: with pool.acquire(workspace=p) as box: ...``"""

    def __init__(self, config: SandboxConfig | None = None, *, size: int | None = None,
                 run_id: str | None = None) -> None:
        self.config = config or SandboxConfig()
        self.size = size if size is not None else max(self.config.pool_size, 1)
        self.run_id = run_id or uuid.uuid4().hex[:12]
        engine.require_image(self.config)
        self._ready: queue.Queue[str] = queue.Queue()
        self._wake = threading.Condition()
        self._wanted = self.size
        self._closed = False
        self.error: SandboxError | None = None
        self._thread = threading.Thread(target=self._fill, name="compilot-pool", daemon=True)
        self._thread.start()

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _fill(self) -> None:
        while True:
            with self._wake:
                self._wake.wait_for(lambda: self._closed or self._wanted > 0)
                if self._closed:
                    return
                self._wanted -= 1
            try:
                cid = engine.create_container(self.config, self.run_id, pooled=True)
            except SandboxError as exc:
                log.warning("sandbox pool cannot start a container: %s", exc)
                with self._wake:
                    self.error = exc
                    self._wake.notify_all()
                return
            REAPER.track(cid, functools.partial(engine.remove_container, cid))
            with self._wake:
                self._ready.put(cid)
                self._wake.notify_all()
            if self._closed:
                self._drain()

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Block until the pool is full (start-up, benchmarks); False on error or timeout."""
        with self._wake:
            self._wake.wait_for(
                lambda: self._ready.qsize() >= self.size or self.error is not None, timeout)
        return self.error is None and self._ready.qsize() >= self.size

    def acquire(self, *, workspace: Path | None = None) -> DockerSandbox:
        """A started sandbox (warm when the pool has one); close it when done."""
        if self._closed:
            raise SandboxError("the sandbox pool is closed")
        try:
            cid = self._ready.get_nowait()
        except queue.Empty:
            return DockerSandbox(self.config, workspace=workspace, run_id=self.run_id)
        with self._wake:
            self._wanted += 1
            self._wake.notify()
        REAPER.untrack(cid)
        return DockerSandbox(self.config, workspace=workspace, run_id=self.run_id,
                             container_id=cid)

    def _drain(self) -> None:
        while True:
            try:
                cid = self._ready.get_nowait()
            except queue.Empty:
                return
            REAPER.untrack(cid)
            engine.remove_container(cid)

    def close(self) -> None:
        """Stop refilling and remove the containers nobody acquired."""
        with self._wake:
            self._closed = True
            self._wake.notify_all()
        self._thread.join(timeout=60)
        self._drain()
