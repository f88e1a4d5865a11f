"""The local llama.cpp servers that serve ``bundled:`` and ``gguf:`` models.

:class:`LocalServer` starts ``python -m compilot.llm.llama_server`` (llama-cpp-python's server
with compilot's speculative drafts) in its own session, so a stop kills the whole process
group. Each model alias gets its own slot ``<home>/server/<alias>/`` with
``state.json`` (what runs) and ``server.log``, guarded by one file lock: later commands reuse a
running server for the same model, and a command that needs another model starts a second
server instead of killing the first, whose clients may be mid-request (a 0.5B and a 1.5B model
together take under 2 GB). Servers outlive the command that started them, so the next command
skips the model load; ``compilot model stop`` ends them.

A busy llama.cpp server answers no HTTP request until its current generation ends, so a
recorded server counts as alive while its process lives and its port accepts connections;
only a server that refuses connections is treated as broken and killed.
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
    repeatable: bool = False
    """Started with ``ServerConfig.repeatable``."""

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"


class LocalServer:
    """Start, reuse, inspect and stop the llama.cpp servers of one compilot home."""

    def __init__(self, home: Path, config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig()
        self.dir = Path(home) / "server"
        self._lock = FileLock(str(self.dir / "state.lock"))

    def slot(self, alias: str) -> Path:
        """The folder holding the state and log of the server for ``alias``."""
        return self.dir / alias

    # -- public API -----------------------------------------------------------------------

    def ensure(self, model_path: Path, alias: str) -> ServerState:
        """Return the server for ``model_path``/``alias``, starting it when none runs."""
        model_path = Path(model_path).resolve()
        self.slot(alias).mkdir(parents=True, exist_ok=True)
        with self._lock:
            state = self._live_state(alias)
            if state and state.model_path == str(model_path) and (
                    state.repeatable or not self.config.repeatable):
                return state
            if state:  # another file for the alias, or a repeatable server asked for
                self._stop(state)
            return self._start(model_path, alias)

    def running(self) -> list[ServerState]:
        """Every live server of this home (stale state of dead servers is removed)."""
        if not self.dir.is_dir():
            return []
        with self._lock:
            states = [self._live_state(d.name) for d in sorted(self.dir.iterdir()) if d.is_dir()]
        return sorted((s for s in states if s), key=lambda s: s.started_at)

    def status(self, alias: str | None = None) -> ServerState | None:
        """The live server for ``alias`` (default: the most recently started one), or None."""
        live = [s for s in self.running() if alias is None or s.alias == alias]
        return live[-1] if live else None

    def stop(self, alias: str | None = None) -> bool:
        """Stop the server for ``alias`` (default: all of them); True when one was running."""
        if not self.dir.is_dir():
            return False
        with self._lock:
            names = [alias] if alias else [d.name for d in self.dir.iterdir() if d.is_dir()]
            states = [s for s in (self._read_state(n) for n in names) if s]
            for state in states:
                self._stop(state)
        return bool(states)

    # -- start ----------------------------------------------------------------------------

    def _start(self, model_path: Path, alias: str) -> ServerState:
        port = self._choose_port()
        _require_llama_cpp()
        cmd = self._command(model_path, alias, port)
        log_path = self.slot(alias) / "server.log"
        with log_path.open("wb") as log:
            log.write(f"$ {' '.join(cmd)}\n".encode())
            log.flush()
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        state = ServerState(pid=proc.pid, port=port, host=self.config.host,
                            model_path=str(model_path), alias=alias, started_at=time.time(),
                            log_path=str(log_path), repeatable=self.config.repeatable)
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
        cmd = [sys.executable, "-m", "compilot.llm.llama_server", "--model", str(model_path),
               "--host", cfg.host, "--port", str(port), "--n_ctx", str(cfg.n_ctx),
               "--model_alias", alias, "--n_gpu_layers", str(cfg.n_gpu_layers)]
        # llama-cpp-python defaults to half the cores for decoding; the config promises all.
        cmd += ["--n_threads", str(cfg.n_threads or os.cpu_count() or 1)]
        # The server is shared by every command of this home: by default llama-cpp-python
        # cuts a streaming answer short when another request arrives; queue them instead.
        cmd += ["--interrupt_requests", "false"]
        if cfg.repeatable:
            cmd += ["--repeatable"]  # compilot.llm.llama_server's own flag
        elif cfg.prompt_cache_mb:
            cmd += ["--cache", "true", "--cache_type", "ram",
                    "--cache_size", str(cfg.prompt_cache_mb << 20)]
        if cfg.draft_tokens:
            cmd += ["--draft_model", "prompt-lookup-decoding",
                    "--draft_model_num_pred_tokens", str(cfg.draft_tokens)]
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
                        f"(model {state.model_path}); log tail:\n{_log_tail(state)}",
                        hint="compilot doctor  (and check the GGUF file: compilot model pull "
                             "--force for bundled models)")
                if _answers(client, state.base_url):
                    return
                if time.monotonic() >= deadline:
                    raise ServerError(
                        f"the model server did not answer within "
                        f"{self.config.startup_timeout_s:.0f}s; log tail:\n{_log_tail(state)}",
                        hint="raise server.startup_timeout_s, e.g. "
                             "COMPILOT_SERVER__STARTUP_TIMEOUT_S=600 compilot model serve")
                time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
                delay = min(delay * 1.6, 1.0)

    # -- state ----------------------------------------------------------------------------

    def _state_path(self, alias: str) -> Path:
        return self.slot(alias) / "state.json"

    def _read_state(self, alias: str) -> ServerState | None:
        path = self._state_path(alias)
        try:
            return ServerState(**json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError):
            path.unlink(missing_ok=True)
            return None

    def _live_state(self, alias: str) -> ServerState | None:
        """The recorded server if its process lives and takes connections; stale state is
        cleaned. No HTTP request: a busy server would not answer it (see module docstring)."""
        state = self._read_state(alias)
        if state is None:
            return None
        if pid_alive(state.pid) and _is_llama_server(state.pid):
            if _accepts(state.host, state.port):
                return state
            _kill_group(state.pid, grace_s=5.0)  # alive but deaf: do not leave it running
        self._state_path(alias).unlink(missing_ok=True)
        return None

    def _write_state(self, state: ServerState) -> None:
        path = self._state_path(state.alias)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(asdict(state), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)

    def _stop(self, state: ServerState) -> None:
        if pid_alive(state.pid) and _is_llama_server(state.pid):
            _kill_group(state.pid, grace_s=10.0)
        self._state_path(state.alias).unlink(missing_ok=True)


def _log_tail(state: ServerState, lines: int = 25) -> str:
    try:
        text = Path(state.log_path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _accepts(host: str, port: int, timeout_s: float = 3.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def _answers(client: httpx.Client, base_url: str) -> bool:
    try:
        return client.get(f"{base_url}/models").status_code == 200
    except httpx.HTTPError:
        return False


def _is_llama_server(pid: int) -> bool:
    """Guard against a recycled pid: only a model server process is ever signalled (ours, or
    llama_cpp.server as earlier compilot versions started it)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return sys.platform != "linux"  # no /proc to ask: trust the state file
    return b"compilot.llm.llama_server" in cmdline or b"llama_cpp.server" in cmdline


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
