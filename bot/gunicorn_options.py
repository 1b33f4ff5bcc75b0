"""gunicorn settings of `scope-bot serve`; a light module, so the benchmark's bare-Bolt baseline can share them."""

from __future__ import annotations

from typing import Any


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
