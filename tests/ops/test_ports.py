"""`port_in_use` as `mineflow dev` asks it: a port someone listens on is busy; a port whose last connections linger
in TIME_WAIT is free. uvicorn and Temporal's servers (Go's net.Listen) listen with SO_REUSEADDR, so their TIME_WAIT
connections do not stop them listening again; `port_in_use` binds the same way (else `mineflow dev` refused to start
for ~60 s after a restart)."""

import socket
import time

import pytest

from cli.processes import port_in_use


def _listener(*, reuse: bool) -> tuple[socket.socket, int]:
    server = socket.socket()
    if reuse:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    return server, server.getsockname()[1]


@pytest.mark.parametrize("reuse", [False, True], ids=["plain listener", "SO_REUSEADDR listener"])
def test_a_port_with_a_live_listener_is_in_use(reuse):
    server, port = _listener(reuse=reuse)
    with server:
        assert port_in_use(port)


def test_a_port_left_only_with_time_wait_connections_is_free():
    server, port = _listener(reuse=True)  # as uvicorn and the Temporal dev server listen
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # the server side closes first: its end of the connection stays in TIME_WAIT
    assert client.recv(1) == b""
    client.close()
    server.close()
    time.sleep(0.1)
    # the TIME_WAIT is there: a bind without SO_REUSEADDR still fails
    with socket.socket() as plain, pytest.raises(OSError):
        plain.bind(("127.0.0.1", port))
    assert not port_in_use(port)
