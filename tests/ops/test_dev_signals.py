"""`mineflow dev` (what `make run` runs) stops the Temporal server, the worker and the API whatever ends it — SIGTERM
from a supervisor or `timeout`, SIGHUP from a closed terminal, or being killed outright — and refuses to start on a
port in use, naming the port and who holds it (issue 18 item 5)."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from cli.processes import free_port, port_holder

ROOT = Path(__file__).resolve().parents[2]


def start_dev(tmp_path: Path, api: int, temporal: int, ui: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MINEFLOW_VAR_DIR": str(tmp_path / "var"), "MINEFLOW_API_PORT": str(api),
           "MINEFLOW_TEMPORAL_PORT": str(temporal), "MINEFLOW_TEMPORAL_UI_PORT": str(ui),
           "MINEFLOW_TEMPORAL_ADDRESS": f"127.0.0.1:{temporal}",
           "MINEFLOW_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'var' / 'mineflow.db'}"}
    return subprocess.Popen([sys.executable, "-m", "cli.main", "dev"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)


def wait_ready(dev: subprocess.Popen[bytes], api: int, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert dev.poll() is None, (dev.stdout.read() if dev.stdout else b"").decode()
        try:
            if httpx.get(f"http://127.0.0.1:{api}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError("mineflow dev not ready")


def gone(pids: list[int], timeout: float = 30) -> list[int]:
    """The pids still alive after `timeout` (zombies count as gone)."""
    deadline = time.monotonic() + timeout
    alive = pids
    while time.monotonic() < deadline:
        alive = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        if not alive:
            break
        time.sleep(0.3)
    return alive


def bindable_soon(port: int, timeout: float = 10) -> bool:
    """Whether a server could listen on `port` again, as the next `make run` would: with SO_REUSEADDR, as uvicorn
    and Temporal bind (a plain bind also fails on the closed connections' TIME_WAIT, which hold nothing)."""
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
                s.listen()
                return True
            except OSError:
                if time.monotonic() > deadline:
                    return False
        time.sleep(0.3)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL], ids=lambda s: s.name)
def test_every_child_dies_with_mineflow_dev(tmp_path, how):
    api, temporal, ui = free_port(), free_port(), free_port()
    dev = start_dev(tmp_path, api, temporal, ui)
    try:
        wait_ready(dev, api)
        children = [c.pid for c in psutil.Process(dev.pid).children(recursive=True)]
        names = " ".join(" ".join(psutil.Process(p).cmdline()) for p in children)
        assert "start-dev" in names and " worker" in names and " api " in names, names
        dev.send_signal(how)
        dev.wait(60)
        assert gone(children) == [], f"{how.name} left children running"
        held = [p for p in (api, temporal, ui) if not bindable_soon(p)]
        assert not held, f"ports still held: {[(p, port_holder(p)) for p in held]}"
    finally:
        if dev.poll() is None:
            os.killpg(dev.pid, signal.SIGKILL)
            dev.wait(10)


def test_a_port_in_use_is_named_with_its_holder(tmp_path):
    api, temporal, ui = free_port(), free_port(), free_port()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", api))
        squatter.listen()
        dev = start_dev(tmp_path, api, temporal, ui)
        out = dev.communicate(timeout=60)[0].decode()
    assert dev.returncode == 1
    assert f"端口 {api}" in out and "已被占用" in out
    assert f"进程 {os.getpid()}" in out  # this test's own process holds it
    assert not (tmp_path / "var" / "temporal.db").exists()  # nothing was started
