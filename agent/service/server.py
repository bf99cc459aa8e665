"""`serve`: run the service under uvicorn, in one process or N worker processes."""

from __future__ import annotations

import ipaddress
import logging
import os
import tempfile

from .config import ServiceConfig
from .errors import ServiceError
from .listener import ReusePortListener, check_free, reuse_port_spreads
from .metrics import MULTIPROCESS_ENV

__all__ = ["serve", "app_from_env", "CONFIG_ENV"]

CONFIG_ENV = "TAGE_SERVICE_CONFIG"  # the JSON config each worker process builds its app from
_APP = "agent.service.server:app_from_env"  # uvicorn's factory, found by name in each worker
_log = logging.getLogger("tage.service")


def serve(config: ServiceConfig) -> None:
    """Serve until interrupted. Each worker loads its own model; a session lives with its client, not here.

    Examples
    --------
    >>> serve(ServiceConfig(port=8000, workers=2))     # doctest: +SKIP
    """
    import uvicorn  # the server's own dependency: imported when serving only

    if config.reuse_port and not reuse_port_spreads():
        raise ServiceError("--reuse-port spreads connections over workers on Linux only")
    if not _loopback(config.host) and config.token is None:
        _log.warning("serving on %s without --token: anyone who can reach it may use it", config.host)
    os.environ[CONFIG_ENV] = config.model_dump_json()
    options = {"factory": True, "host": config.host, "port": config.port, "workers": config.workers,
               "http": "agent.service.protocol:NoDelayHTTP", "log_level": "warning", "access_log": False}
    with tempfile.TemporaryDirectory(prefix="tage-metrics-") as metrics_dir:
        if config.workers > 1:
            os.environ.setdefault(MULTIPROCESS_ENV, metrics_dir)  # the workers' shared metric files
        if config.workers > 1 and config.reuse_port:  # a socket per worker (agent.service.listener)
            from uvicorn.supervisors import Multiprocess

            listener = ReusePortListener.first(config.host, config.port)
            Multiprocess(uvicorn.Config(_APP, **options), sockets=[listener]).run()
        else:
            check_free(config.host, config.port)  # uvicorn would exit 3 with a log line; the CLI exits 2 naming it
            uvicorn.run(_APP, **options)


def app_from_env():
    """The app of the config `serve` put in the environment (uvicorn's factory, in every worker)."""
    from .app import create_app

    return create_app(ServiceConfig.model_validate_json(os.environ[CONFIG_ENV]))


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
