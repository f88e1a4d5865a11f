"""Last-resort cleanup of live sandboxes: at exit and on SIGINT/SIGTERM.

Context managers are the normal path; this registry catches the rest (a caller that forgot
``close()``, a signal). Handlers chain to whatever the caller had installed before.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

log = logging.getLogger(__name__)

Cleanup = Callable[[], None]


class Reaper:
    """Remembers how to clean up every live sandbox of this process."""

    def __init__(self) -> None:
        self._live: dict[str, Cleanup] = {}
        self._lock = threading.Lock()
        self._installed = False
        self._previous: dict[int, Any] = {}

    def track(self, key: str, cleanup: Cleanup) -> None:
        with self._lock:
            self._live[key] = cleanup
            if not self._installed:
                self._install()

    def untrack(self, key: str) -> None:
        with self._lock:
            self._live.pop(key, None)

    def reap_all(self) -> None:
        with self._lock:
            pending = list(self._live.items())
            self._live.clear()
        for key, cleanup in pending:
            try:
                cleanup()
            except Exception as exc:  # keep reaping the others, and say what was left
                log.warning("sandbox %s was not cleaned up: %s (run `compilot sandbox gc`)",
                            key, exc)

    def _install(self) -> None:
        self._installed = True
        atexit.register(self.reap_all)
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread; atexit still runs
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous[signum] = signal.getsignal(signum)
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.reap_all()
        previous = self._previous.get(signum)
        if callable(previous):
            previous(signum, frame)
        elif previous == signal.SIG_IGN:
            return
        else:  # SIG_DFL or unknown: die of the same signal, as the caller would have
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)


REAPER = Reaper()
