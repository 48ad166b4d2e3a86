"""Serving the app with gunicorn from ``dateline serve``: one worker process per core.

The command binds the listening socket itself, so a port in use is one clear error before any
worker starts (gunicorn alone retries for five seconds and logs a traceback-like block), and
hands it to gunicorn as ``fd://N``; the forked workers inherit it.
"""

from __future__ import annotations

import socket

from gunicorn.app.base import BaseApplication

#: threads per worker: a request spends part of its time outside the GIL (numpy, file reads)
THREADS = 4


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; raises OSError when it cannot be had."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=2048)
    sock.set_inheritable(True)
    return sock


class _Gunicorn(BaseApplication):
    def __init__(self, config: dict, options: dict):
        self._config = config
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        from web import create_app

        return create_app(self._config)


def serve(config: dict, sock: socket.socket, workers: int) -> None:
    """Run gunicorn on an already listening socket until it is stopped (Ctrl-C, SIGTERM); gunicorn
    owns and closes the socket from here on."""
    options = {
        "bind": [f"fd://{sock.detach()}"],
        "workers": workers,
        "threads": THREADS,
        "loglevel": "warning",
        "proc_name": "dateline",
    }
    _Gunicorn(config, options).run()
