"""The local llama.cpp server that serves ``bundled:`` and ``gguf:`` models.

:class:`LocalServer` starts ``python -m llama_cpp.server`` in its own session (so a stop kills
the whole process group), logs to ``<home>/server/server.log`` and records what runs in
``<home>/server/state.json``, guarded by a file lock. Later commands reuse a running server
for the same model file and alias; asking for a different model stops the old server and
starts a new one (one local model at a time: it serves one request at a time and a second
model would halve the memory and CPU left to each). The server outlives the command that
started it, so the next command skips the model load; ``compilot model stop`` ends it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from filelock import FileLock

from compilot._proc import pid_alive
from compilot.errors import ServerError
from compilot.llm.config import ServerConfig


@dataclass(frozen=True)
class ServerState:
    """What ``state.json`` records about the running server."""

    pid: int
    port: int
    host: str
    model_path: str
    alias: str
    started_at: float
    log_path: str

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"


class LocalServer:
    """Start, reuse, inspect and stop the llama.cpp server of one compilot home."""

    def __init__(self, home: Path, config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig()
        self.dir = Path(home) / "server"
        self.state_path = self.dir / "state.json"
        self.log_path = self.dir / "server.log"
        self._lock = FileLock(str(self.dir / "state.lock"))

    # -- public API -----------------------------------------------------------------------

    def ensure(self, model_path: Path, alias: str) -> ServerState:
        """Return the server for ``model_path``/``alias``, starting it when none runs; a
        server for another model is stopped first."""
        model_path = Path(model_path).resolve()
        self.dir.mkdir(parents=True, exist_ok=True)
        with self._lock:
            state = self._live_state()
            if state and state.model_path == str(model_path) and state.alias == alias:
                return state
            if state:
                self._stop(state)
            return self._start(model_path, alias)

    def status(self) -> ServerState | None:
        """The running server, or None (stale state of a dead server is removed)."""
        if not self.state_path.exists():
            return None
        with self._lock:
            return self._live_state()

    def stop(self) -> bool:
        """Stop the server; True when one was running."""
        if not self.state_path.exists():
            return False
        with self._lock:
            state = self._read_state()
            if state is None:
                return False
            self._stop(state)
            return True

    # -- start ----------------------------------------------------------------------------

    def _start(self, model_path: Path, alias: str) -> ServerState:
        port = self._choose_port()
        _require_llama_cpp()
        cmd = self._command(model_path, alias, port)
        with self.log_path.open("wb") as log:
            log.write(f"$ {' '.join(cmd)}\n".encode())
            log.flush()
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        state = ServerState(pid=proc.pid, port=port, host=self.config.host,
                            model_path=str(model_path), alias=alias, started_at=time.time(),
                            log_path=str(self.log_path))
        try:
            self._wait_ready(proc, state)
        except BaseException:
            _kill_group(proc.pid, grace_s=3.0)
            proc.wait()
            raise
        self._write_state(state)
        return state

    def _command(self, model_path: Path, alias: str, port: int) -> list[str]:
        cfg = self.config
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path),
               "--host", cfg.host, "--port", str(port), "--n_ctx", str(cfg.n_ctx),
               "--model_alias", alias, "--n_gpu_layers", str(cfg.n_gpu_layers)]
        # llama-cpp-python defaults to half the cores for decoding; the config promises all.
        cmd += ["--n_threads", str(cfg.n_threads or os.cpu_count() or 1)]
        return cmd

    def _choose_port(self) -> int:
        host = self.config.host
        if self.config.port == 0:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind((host, 0))
                return int(sock.getsockname()[1])
        port = self.config.port
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    raise ServerError(f"cannot bind {host}:{port}: {exc}",
                                      hint="compilot model serve --port 0") from exc
                raise ServerError(
                    f"port {port} on {host} is already in use by another program",
                    hint="compilot model serve --port 0  (0 picks a free port)") from exc
        return port

    def _wait_ready(self, proc: subprocess.Popen[bytes], state: ServerState) -> None:
        """Poll ``/v1/models`` with exponential backoff until it answers, the process exits
        or ``startup_timeout_s`` passes."""
        deadline = time.monotonic() + self.config.startup_timeout_s
        delay = 0.05
        with httpx.Client(timeout=2.0) as client:
            while True:
                code = proc.poll()
                if code is not None:
                    raise ServerError(
                        f"the model server exited with code {code} before it was ready "
                        f"(model {state.model_path}); log tail:\n{self._log_tail()}",
                        hint="compilot doctor  (and check the GGUF file: compilot model pull "
                             "--force for bundled models)")
                if _answers(client, state.base_url):
                    return
                if time.monotonic() >= deadline:
                    raise ServerError(
                        f"the model server did not answer within "
                        f"{self.config.startup_timeout_s:.0f}s; log tail:\n{self._log_tail()}",
                        hint="raise server.startup_timeout_s, e.g. "
                             "COMPILOT_SERVER__STARTUP_TIMEOUT_S=600 compilot model serve")
                time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
                delay = min(delay * 1.6, 1.0)

    # -- state ----------------------------------------------------------------------------

    def _read_state(self) -> ServerState | None:
        try:
            return ServerState(**json.loads(self.state_path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            self.state_path.unlink(missing_ok=True)
            return None

    def _live_state(self) -> ServerState | None:
        """The recorded server if its process lives and answers; stale state is cleaned."""
        state = self._read_state()
        if state is None:
            return None
        if pid_alive(state.pid) and _is_llama_server(state.pid):
            with httpx.Client(timeout=5.0) as client:
                if _answers(client, state.base_url):
                    return state
            _kill_group(state.pid, grace_s=5.0)  # alive but deaf: do not leave it running
        self.state_path.unlink(missing_ok=True)
        return None

    def _write_state(self, state: ServerState) -> None:
        tmp = self.state_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(asdict(state), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self.state_path)

    def _stop(self, state: ServerState) -> None:
        if pid_alive(state.pid) and _is_llama_server(state.pid):
            _kill_group(state.pid, grace_s=10.0)
        self.state_path.unlink(missing_ok=True)

    def _log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def _answers(client: httpx.Client, base_url: str) -> bool:
    try:
        return client.get(f"{base_url}/models").status_code == 200
    except httpx.HTTPError:
        return False


def _is_llama_server(pid: int) -> bool:
    """Guard against a recycled pid: only a llama_cpp.server process is ever signalled."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return sys.platform != "linux"  # no /proc to ask: trust the state file
    return b"llama_cpp.server" in cmdline


def _kill_group(pid: int, *, grace_s: float) -> None:
    """SIGTERM the process group led by ``pid``, wait up to ``grace_s``, then SIGKILL."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    delay = 0.02
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(delay)
        delay = min(delay * 2, 0.25)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5.0
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)


def _require_llama_cpp() -> None:
    import importlib.util

    if importlib.util.find_spec("llama_cpp") is None:
        raise ServerError("llama-cpp-python is not installed; it serves bundled and gguf models",
                          hint="pip install 'compilot[local]'")
