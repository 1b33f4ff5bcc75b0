"""gunicorn configured in code for `scope-bot serve`; a light module, so the benchmark's bare-Bolt baseline runs
under exactly the same server set-up."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication

WsgiApp = Callable[..., Iterable[bytes]]


def gunicorn_options(*, host: str, port: int, workers: int, threads: int = 8) -> dict[str, Any]:
    """The gunicorn settings of `serve` (also used by the benchmark's bare-Bolt baseline)."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 30,
        "graceful_timeout": 10,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
        # gunicorn's runtime control socket defaults to one path per user: two bots on a host would take it over.
        "control_socket_disable": True,
    }


class GunicornApp(BaseApplication):
    """Runs gunicorn with `options`; every worker calls `factory` after the fork to build its own WSGI app."""

    def __init__(self, factory: Callable[[], WsgiApp], options: dict[str, Any]):
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        return self.factory()
