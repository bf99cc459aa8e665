"""`ServiceConfig` and `Limits`: how `tage serve` listens, what it loads, and what a request may ask of it."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from decoding.backend_names import DEFAULT_BACKEND, Runtime
from decoding.tokenize import MAX_INSTRUCTION_CHARS

__all__ = ["Limits", "ServiceConfig", "LOOPBACK"]

LOOPBACK = "127.0.0.1"


class _Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Limits(_Config):
    """What one request may ask; a request over a limit gets a 4xx naming the limit (a slow one, a 503)."""

    max_body_bytes: int = Field(default=1_000_000, gt=0)      # request body (413 above)
    max_instruction_chars: int = Field(default=1_000, gt=0, le=MAX_INSTRUCTION_CHARS)  # characters of one instruction
    max_scene_items: int = Field(default=5_000, gt=0)         # rooms + objects + people + relations of an inline scene
    max_tasks: int = Field(default=16, gt=0)                  # tasks the extractor finds in one instruction
    max_instructions: int = Field(default=256, gt=0)          # instructions of one /v1/ground_many request
    timeout_s: float = Field(default=30.0, gt=0)              # seconds a request may take before a 503


class ServiceConfig(_Config):
    """Everything `tage serve` needs; JSON-serialisable so that each uvicorn worker process can rebuild it."""

    host: str = LOOPBACK                   # loopback: reachable from this machine only, unless asked otherwise
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1)  # uvicorn worker processes, each with its own model
    # with several workers: a socket per worker in a SO_REUSEPORT group (agent/service/listener.py), not uvicorn's
    # shared one: connections spread over the workers, but those waiting for a worker that dies are reset with it
    reuse_port: bool = False
    scenes: Path | None = None             # folder of YAML / JSON scenes served by id (default: the shipped demos)
    token: str | None = None               # when set, every request but the page and probes needs Bearer TOKEN
    backend: str = DEFAULT_BACKEND
    model: Path | None = None              # extractor checkpoint folder (default: the shipped model)
    runtime: Runtime = "auto"              # what runs the encoder and the decoder's pass
    skills: tuple[Path, ...] = ()          # skill files or folders over the default library
    batch_window_ms: float = Field(default=2.0, ge=0)  # how long a lone request waits for others to batch with
    max_batch: int = Field(default=64, ge=1)           # instructions per micro-batch
    limits: Limits = Limits()
