"""One command in a running container: exec create, a hijacked stream, timeout, group kill.

Each command runs in a new session (``setsid``) tagged with a token in its environment, so a
timeout kills the whole process tree with a second exec and the output read so far is kept.
The stream is read straight from the engine's unix socket when there is one (fast, no
connection pool); other transports use the SDK's socket.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compilot.errors import SandboxError
from compilot.sandboxes.base import HeadTailBuffer

TOKEN_VAR = "COMPILOT_EXEC_TOKEN"
# The command runs under `setsid`: a new session whose processes a timeout kills. The
# session is found through the token in the leader's initial environment (/proc/PID/environ
# keeps it even if the program clears its own), so no extra shell or pid file is needed.
KILL = (f'for e in /proc/[0-9]*/environ; do grep -qxzs "{TOKEN_VAR}=$0" "$e" || continue; '
        's=$(sed "s/.*) //" "${e%/environ}/stat" | cut -d" " -f4) || continue; '
        'pkill -KILL -s "$s" 2>/dev/null; kill -KILL -- "-$s" 2>/dev/null; f=1; done; '
        '[ -n "$f" ] || exit 3')
KILL_GRACE_S = 3.0
"""How long output may keep coming after the kill before the container itself is restarted."""


@dataclass
class RawExec:
    stdout: HeadTailBuffer
    stderr: HeadTailBuffer
    timed_out: bool
    exit_code: int | None


class _Demux:
    """Splits Docker's multiplexed stream (8-byte frame headers) into stdout and stderr."""

    def __init__(self, out: HeadTailBuffer, err: HeadTailBuffer) -> None:
        self._buf = bytearray()
        self._out, self._err = out, err

    def feed(self, data: bytes) -> None:
        self._buf += data
        while len(self._buf) >= 8:
            kind, size = struct.unpack(">BxxxL", self._buf[:8])
            if len(self._buf) < 8 + size:
                return
            payload = bytes(self._buf[8:8 + size])
            del self._buf[:8 + size]
            (self._err if kind == 2 else self._out).write(payload)


def wrap(argv: Sequence[str]) -> list[str]:
    """``setsid`` in a child of sh: not a group leader, so it execs without forking, and sh
    reports a signal death as 128+N. (``exit`` stops dash from exec'ing setsid directly.)"""
    return ["/bin/sh", "-c", 'setsid "$@"; exit $?', "compilot-exec", *argv]


def _hijack_unix(path: str, version: str, exec_id: str) -> tuple[socket.socket, bytes]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    body = json.dumps({"Detach": False, "Tty": False}).encode()
    head = (f"POST /v{version}/exec/{exec_id}/start HTTP/1.1\r\nHost: docker\r\n"
            "Content-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    sock.sendall(head + body)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            sock.close()
            raise SandboxError("the Docker engine closed the exec stream before answering")
        data += chunk
    status, _, rest = data.partition(b"\r\n\r\n")
    code = status.split(b" ", 2)[1] if b" " in status else b"?"
    if code not in (b"101", b"200"):
        sock.close()
        raise SandboxError(f"exec start failed: {status.decode(errors='replace')} {rest!r}")
    return sock, rest


def open_stream(api: Any, exec_id: str) -> tuple[socket.socket, bytes]:
    """A socket carrying the exec's multiplexed output, plus bytes already read from it."""
    path = getattr(api.get_adapter(api.base_url), "socket_path", None)
    if path:
        return _hijack_unix(path, api.api_version, exec_id)
    raw = api.exec_start(exec_id, socket=True)
    return getattr(raw, "_sock", raw), b""


def _feed_stdin(sock: socket.socket, data: bytes) -> None:
    try:
        if data:
            sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # the command exited without reading all of its input: that is its business


def pump(sock: socket.socket, demux: _Demux, timeout: float, on_timeout: Callable[[], None],
         on_stuck: Callable[[], None]) -> bool:
    """Read until EOF; past the deadline call ``on_timeout`` once, then ``on_stuck``."""
    deadline = time.monotonic() + timeout
    timed_out = False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            if timed_out:
                on_stuck()
                return True
            timed_out = True
            on_timeout()
            deadline = time.monotonic() + KILL_GRACE_S
            continue
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(262144)
        except TimeoutError:
            continue
        except OSError:
            return timed_out
        if not chunk:
            return timed_out
        demux.feed(chunk)


def run_exec(api: Any, cid: str, argv: Sequence[str], *, token: str, user: str,
             cwd: str, env: Mapping[str, str] | None, stdin: bytes | None, timeout: float,
             limit: int, on_timeout: Callable[[], None], on_stuck: Callable[[], None]
             ) -> RawExec:
    """Run ``argv`` in container ``cid`` and collect its output; never raises for the command."""
    created = api.exec_create(
        cid, wrap(argv), stdout=True, stderr=True, stdin=stdin is not None,
        environment={**(env or {}), TOKEN_VAR: token}, workdir=cwd, user=user,
    )
    exec_id = created["Id"]
    out, err = HeadTailBuffer(limit), HeadTailBuffer(limit)
    demux = _Demux(out, err)
    sock, early = open_stream(api, exec_id)
    try:
        demux.feed(early)
        if stdin is not None:
            threading.Thread(target=_feed_stdin, args=(sock, stdin), daemon=True).start()
        timed_out = pump(sock, demux, timeout, on_timeout, on_stuck)
    finally:
        sock.close()
    return RawExec(out, err, timed_out, _exit_code(api, exec_id))


def _exit_code(api: Any, exec_id: str) -> int | None:
    """The exit code; the engine can report the exec as running for a moment after EOF."""
    import docker.errors

    for delay in (0, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5):
        time.sleep(delay)
        try:
            info = api.exec_inspect(exec_id)
        except docker.errors.NotFound:  # the container was restarted under it
            return None
        if not info.get("Running"):
            code = info.get("ExitCode")
            return int(code) if code is not None else None
    return None
