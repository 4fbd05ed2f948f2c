"""Phase timers for the bench's per-action breakdown (MINEFLOW_TIMINGS=1; off by default).

Off, `phase()` returns one shared object whose `with` does nothing: no clock read, no allocation, no lock. On, each
process adds every phase's count and seconds under (action, phase) — an API action is its route, a worker's its
activity — and a daemon thread writes the totals every half second to `<timings_dir>/<process>-<pid>.json`, where
the bench reads them before and after each measurement (several API or worker processes: one file each).
"""

import atexit
import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from types import TracebackType
from typing import Any

from settings import Settings

_enabled = False
_totals: dict[str, list[float]] = {}  # "action · phase" -> [count, seconds]
_lock = threading.Lock()
_file: Path | None = None
_action: ContextVar[str] = ContextVar("mineflow_timing_action", default="-")
# An API request's phases, held until the request ends and its route is known (see `request`).
_buffer: ContextVar[list[tuple[str, float]] | None] = ContextVar("mineflow_timing_buffer", default=None)


class _Nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_NOTHING = _Nothing()


class _Phase:
    __slots__ = ("name", "started")

    def __init__(self, name: str) -> None:
        self.name = name
        self.started = time.perf_counter()

    def __enter__(self) -> None:
        return None

    def __exit__(self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None) -> None:
        add(self.name, time.perf_counter() - self.started)


def enabled() -> bool:
    return _enabled


def phase(name: str) -> _Phase | _Nothing:
    """`with phase("auth"): …` — counted under the current action (see `action`)."""
    return _Phase(name) if _enabled else _NOTHING


@contextlib.contextmanager
def action(name: str) -> Iterator[None]:
    """Phases inside count under `name` (an API route, an activity)."""
    if not _enabled:
        yield
        return
    token = _action.set(name)
    try:
        yield
    finally:
        _action.reset(token)


class Request:
    """One API request's phases, counted under its route once it is known (`done`)."""

    def __init__(self) -> None:
        self.phases: list[tuple[str, float]] = []
        self.started = time.perf_counter()
        self._token = _buffer.set(self.phases)

    def done(self, route: str) -> None:
        _buffer.reset(self._token)
        self.phases.append(("request", time.perf_counter() - self.started))
        for name, seconds in self.phases:
            add(name, seconds, route)


def request() -> Request | None:
    return Request() if _enabled else None


def add(name: str, seconds: float, action_name: str | None = None) -> None:
    if not _enabled:
        return
    if action_name is None and (buffer := _buffer.get()) is not None:
        buffer.append((name, seconds))
        return
    key = f"{action_name or _action.get()} · {name}"
    with _lock:
        total = _totals.setdefault(key, [0, 0.0])
        total[0] += 1
        total[1] += seconds


def snapshot() -> dict[str, list[float]]:
    with _lock:
        return {k: list(v) for k, v in _totals.items()}


def flush() -> None:
    if _file is None:
        return
    tmp = _file.with_suffix(".tmp")
    tmp.write_text(json.dumps(snapshot(), ensure_ascii=False), encoding="utf-8")
    tmp.replace(_file)


def _flusher() -> None:
    while True:
        time.sleep(0.5)
        with contextlib.suppress(OSError):
            flush()


def configure(settings: Settings, process: str) -> None:
    """Switch the timers on in this process when the settings ask for it."""
    global _enabled, _file
    if not settings.timings or _enabled:
        return
    folder = settings.timings_dir or settings.var_dir / "timings"
    folder.mkdir(parents=True, exist_ok=True)
    _file, _enabled = folder / f"{process}-{os.getpid()}.json", True
    threading.Thread(target=_flusher, name="mineflow-timings", daemon=True).start()
    atexit.register(flush)


def read_dir(folder: Path) -> dict[str, list[float]]:
    """Every process's totals in `folder`, added up (the bench's side)."""
    out: dict[str, list[float]] = {}
    for path in sorted(folder.glob("*.json")):
        with contextlib.suppress(OSError, ValueError):
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            for key, (count, seconds) in data.items():
                total = out.setdefault(key, [0, 0.0])
                total[0] += count
                total[1] += seconds
    return out
