"""`Metrics`: the service's Prometheus counters and histograms (requests, latency, errors by code, batch sizes)."""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

__all__ = ["Metrics", "MULTIPROCESS_ENV"]

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"  # set by `serve` for N workers: each writes, any one reports all
_LATENCY_BUCKETS = (0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)


class Metrics:
    """The metrics of one app, in a registry of its own (two apps in one process do not collide).

    Examples
    --------
    >>> metrics = Metrics()
    >>> metrics.request("POST", "/v1/parse", 200, 0.012)
    >>> b'tage_requests_total{method="POST",path="/v1/parse",status="200"} 1.0' in metrics.render()[0]
    True
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("tage_requests", "HTTP requests served", ["method", "path", "status"],
                                registry=self.registry)
        self.latency = Histogram("tage_request_seconds", "time to answer a request", ["path"],
                                 buckets=_LATENCY_BUCKETS, registry=self.registry)
        self.errors = Counter("tage_errors", "error responses by error code", ["code"], registry=self.registry)
        self.batches = Histogram("tage_batch_size", "instructions per micro-batch", buckets=_BATCH_BUCKETS,
                                 registry=self.registry)

    def request(self, method: str, path: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        self.requests.labels(method, path, str(status)).inc()
        self.latency.labels(path).observe(seconds)

    def error(self, code: str) -> None:
        """Count one error response of `code`."""
        self.errors.labels(code).inc()

    def batch(self, size: int) -> None:
        """Record one micro-batch of `size` instructions."""
        self.batches.observe(size)

    def render(self) -> tuple[bytes, str]:
        """The Prometheus text exposition and its content type; with N workers, the sum over all of them."""
        if os.environ.get(MULTIPROCESS_ENV):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
