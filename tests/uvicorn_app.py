"""The archive's app on a real uvicorn server in a thread, for what only a real connection (a browser, an identity
provider's redirects) shows. The socket is bound first, so the caller knows its URL before building the app."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from typing import Iterator

import uvicorn


def bound_socket() -> tuple[socket.socket, str]:
    """A socket bound to a free 127.0.0.1 port, and the URL it will serve."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock, "http://127.0.0.1:%d" % sock.getsockname()[1]


class _ThreadedServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # not the main thread
        pass


@contextmanager
def serving(app, sock: socket.socket) -> Iterator[None]:
    """Serve `app` (lifespan on: the embedded workers start) on `sock` until the block ends."""
    server = _ThreadedServer(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the archive did not start"
        time.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()
