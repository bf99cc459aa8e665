"""The HTTP service of `tage serve`: a FastAPI app over one `Agent`, with micro-batching, limits, a bearer token,
Prometheus metrics and the playground page (formats.md section 6; docs/service.md)."""

from .app import create_app
from .config import Limits, ServiceConfig
from .server import serve

__all__ = ["create_app", "serve", "ServiceConfig", "Limits"]
