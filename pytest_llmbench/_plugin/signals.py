"""Signals that end a run end it like Ctrl-C.

A CI runner that cancels a job, ``docker stop`` and a systemd stop send SIGTERM; a closed terminal sends SIGHUP.
By default either kills the process on the spot: no summary, unstored results, the run left ``running``. Raised
as a ``KeyboardInterrupt`` in the main thread instead, they take pytest's Ctrl-C path: no new request is sent,
what finished is stored, the summary is printed and the run is marked ``interrupted`` (resumable).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

_ENDING = ("SIGTERM", "SIGHUP")  # SIGHUP does not exist on Windows


class Terminated(KeyboardInterrupt):
    """Ctrl-C by another name: the signal that ended the run."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(f"{signal_name} received")
        self.signal_name = signal_name


class EndingSignals:
    """Installs the handlers for one session and puts the previous ones back."""

    def __init__(self) -> None:
        self._previous: dict[int, Any] = {}

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signal.signal works only there (pytest run inside a thread by a tool)
        for name in _ENDING:
            signum = getattr(signal, name, None)
            # A handler someone else installed (or SIG_IGN, as under nohup) is theirs to keep.
            if signum is not None and signal.getsignal(signum) is signal.SIG_DFL:
                self._previous[signum] = signal.signal(signum, self._handle)

    def restore(self) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.restore()  # a second signal ends the process at once, as it did before; resume recovers it
        raise Terminated(signal.Signals(signum).name)


def reason(exc: BaseException) -> str:
    """Why the run stopped, for the summary's note and the items not sent."""
    return f"interrupted ({exc.signal_name})" if isinstance(exc, Terminated) else "interrupted (Ctrl-C)"
