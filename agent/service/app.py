"""`create_app`: the FastAPI application of `tage serve` (formats.md section 6) over one `Agent`."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from decoding.errors import TageError
from decoding.parse import Parse
from decoding.tokenize import check_text
from grounding import GroundingResult, SceneGraph

from ..api import Agent
from ..rebind import check_result
from .batcher import MicroBatcher
from .config import ServiceConfig
from .errors import RequestRefused, error_response, refusal_of
from .guard import Guard
from .metrics import Metrics
from .scenes import SceneStore
from .schemas import (
    AnswerRequest,
    ErrorBody,
    GroundManyRequest,
    GroundRequest,
    ParseRequest,
    SceneList,
    SkillList,
    Status,
)

__all__ = ["create_app"]

_PAGE = Path(__file__).resolve().parent / "static" / "playground.html"
_log = logging.getLogger("tage.service")
_ERRORS = {status: {"model": ErrorBody} for status in (401, 404, 413, 422, 503)}


class _Service:
    """What the endpoints share: the agent (loaded in the background), the scenes, the batcher, the limits."""

    def __init__(self, config: ServiceConfig, agent: Agent | None, metrics: Metrics) -> None:
        self.config, self.limits, self.metrics, self.agent = config, config.limits, metrics, agent
        self.scenes = SceneStore.load(config.scenes)
        self.ready = threading.Event()
        self.failure: str | None = None  # why the model could not be loaded
        self.model_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tage-model")  # model calls only
        self.batcher = MicroBatcher(self._parse_many, config.batch_window_ms / 1000, config.max_batch,
                                    on_batch=metrics.batch, executor=self.model_thread)

    def load(self) -> None:
        try:
            if self.agent is None:
                self.agent = Agent.load(self.config.model, self.config.backend, list(self.config.skills) or None,
                                        runtime=self.config.runtime)
        except (TageError, OSError, ValueError) as err:
            self.failure = f"the model could not be loaded: {err}"
            _log.error(self.failure)
            return
        except Exception:  # a bug, in a thread of its own: said by /readyz and logged whole, not a silent 503
            self.failure = "the model could not be loaded: an internal error (its traceback is in the server's log)"
            _log.exception(self.failure)
            return
        self.ready.set()

    def _parse_many(self, instructions: list[str]) -> list[Parse]:
        return self.agent.parse_many(instructions)

    def model(self) -> Agent:
        if self.failure is not None:
            raise RequestRefused(503, "load_failed", self.failure)
        if not self.ready.is_set():
            raise RequestRefused(503, "not_ready", "the model is still loading: retry when GET /readyz says ready")
        return self.agent

    async def within_limit(self, awaitable):
        try:
            async with asyncio.timeout(self.limits.timeout_s):
                return await awaitable
        except TimeoutError:
            raise RequestRefused(503, "timeout", f"the request took longer than the limit of "
                                                 f"{self.limits.timeout_s} s") from None

    def check_instruction(self, instruction: str, what: str = "instruction") -> None:
        if isinstance(instruction, str) and len(instruction) > self.limits.max_instruction_chars:
            raise RequestRefused(422, f"{what}_too_long", f"the {what} has {len(instruction)} characters, over the "
                                 f"limit of {self.limits.max_instruction_chars}")
        check_text(instruction, what)   # before the batch: text no model can read fails alone, as a 422

    def check_tasks(self, parse: Parse) -> Parse:
        if len(parse.tasks) > self.limits.max_tasks:
            raise RequestRefused(422, "too_many_tasks", f"{parse.instruction[:60]!r} has {len(parse.tasks)} tasks, "
                                 f"over the limit of {self.limits.max_tasks} per instruction")
        return parse

    async def in_model_thread(self, function, *args):
        return await asyncio.get_running_loop().run_in_executor(self.model_thread, function, *args)

    async def scene(self, body) -> SceneGraph:
        if body.scene_id is not None:
            return self.scenes.get(body.scene_id)
        return await run_in_threadpool(self.scenes.build, body.scene, self.limits.max_scene_items)

    async def parse(self, instruction: str) -> tuple[Parse, float]:
        self.check_instruction(instruction)
        self.model()
        done = await self.batcher.submit(instruction)
        return self.check_tasks(done.value), done.ms


def create_app(config: ServiceConfig | None = None, agent: Agent | None = None) -> FastAPI:
    """The service's app; the model loads in the background at startup (`GET /readyz` says when it is ready), or,
    as one of several workers, before the worker accepts a connection (a restarted worker joins once ready).

    Examples
    --------
    >>> app = create_app(ServiceConfig(token="s3cret"))                         # doctest: +SKIP
    >>> import uvicorn; uvicorn.run(app, host="127.0.0.1", port=8000)            # doctest: +SKIP
    """
    config = config or ServiceConfig()
    metrics = Metrics()
    service = _Service(config, agent, metrics)

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        if config.workers > 1:  # one of several: take no connection before the model is in (the others serve)
            await asyncio.to_thread(service.load)
        else:
            threading.Thread(target=service.load, name="tage-load", daemon=True).start()
        service.batcher.start()
        yield
        await service.batcher.stop()
        service.model_thread.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(title="tage", version="0.1.0", lifespan=lifespan, responses=_ERRORS, redirect_slashes=False,
                  description="Instruction grounding for robots: parse, ground, plan, clarify. formats.md section 6.")
    refuse = _error_responder(metrics)
    _handlers(app, refuse)
    _api_routes(app, service)
    _probe_routes(app, service)
    app.add_middleware(Guard, token=config.token, max_body_bytes=config.limits.max_body_bytes, metrics=metrics,
                       routes={route.path for route in app.routes}, refuse=refuse, timeout_s=config.limits.timeout_s)
    return app


def _json(model) -> Response:
    # The models are built and validated by the library: dump them once, without FastAPI validating them again.
    if isinstance(model, list):
        content = b"[" + b",".join(m.model_dump_json().encode() for m in model) + b"]"
    else:
        content = model.model_dump_json().encode()
    return Response(content, media_type="application/json")


def _error_responder(metrics: Metrics):
    def refuse(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
        metrics.error(code)
        return error_response(status, code, message, headers)

    return refuse


def _handlers(app: FastAPI, refuse) -> None:
    @app.exception_handler(TageError)
    async def library_error(_: Request, err: TageError) -> Response:
        refusal = refusal_of(err)
        return refuse(refusal.status, refusal.code, str(refusal))

    @app.exception_handler(RequestValidationError)
    async def invalid_body(request: Request, err: RequestValidationError) -> Response:
        return refuse(422, "invalid_request", _validation_message(err, request.headers.get("content-type")))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException) -> Response:
        headers = getattr(err, "headers", None)
        where = f"{request.method} {request.url.path}"
        if err.status_code == 400:   # a body Starlette could not parse at all (nested past the JSON parser's depth)
            return refuse(422, "invalid_request", f"invalid request body: not JSON that can be read ({err.detail})")
        if err.status_code == 404:
            return refuse(404, "not_found", f"no endpoint {where} (GET /openapi.json lists them)", headers)
        if err.status_code == 405:
            allowed = (headers or {}).get("Allow") or (headers or {}).get("allow", "")
            return refuse(405, "method_not_allowed", f"{where}: method not allowed (allowed: {allowed})", headers)
        return refuse(err.status_code, "bad_request", str(err.detail), headers)

    @app.exception_handler(Exception)
    async def server_fault(_: Request, err: Exception) -> Response:
        return refuse(500, "internal_error", f"the server failed: {type(err).__name__}")


def _validation_message(err: RequestValidationError, content_type: str | None) -> str:
    problems = []
    for e in err.errors()[:3]:
        where = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
        if e.get("type") == "json_invalid":
            reason = (e.get("ctx") or {}).get("error", "not JSON")
            problems.append(f"the body is not JSON: {reason} at character {e['loc'][-1]}")
        else:
            problems.append(f"{where}: {e.get('msg', 'invalid')}")
    hint = ""
    if not (content_type or "").startswith("application/json"):
        hint = f" (send the body as JSON with `Content-Type: application/json`, not {content_type or 'none'})"
    return "invalid request body: " + "; ".join(problems) + hint


def _api_routes(app: FastAPI, service: _Service) -> None:
    @app.post("/v1/parse", response_model=Parse, tags=["api"])
    async def parse(body: ParseRequest) -> Response:
        """The tasks and arguments of one instruction (formats.md section 1)."""
        found, _ = await service.within_limit(service.parse(body.instruction))
        return _json(found)

    @app.post("/v1/ground", response_model=GroundingResult, tags=["api"])
    async def ground(body: GroundRequest) -> Response:
        """One instruction grounded in a scene: bindings, plan, questions, errors (formats.md section 4)."""
        async def work() -> GroundingResult:
            scene = await service.scene(body)
            if body.previous is not None:  # a dialogue: read with the previous turn, outside the micro-batch
                service.check_instruction(body.instruction)
                result = await service.in_model_thread(_next_turn, service.model(), scene, body)
                service.check_tasks(result.parse)
                return result
            found, ms = await service.parse(body.instruction)
            return await run_in_threadpool(service.agent.ground_parse, found, scene, ms)

        return _json(await service.within_limit(work()))

    @app.post("/v1/ground_many", response_model=list[GroundingResult], tags=["api"])
    async def ground_many(body: GroundManyRequest) -> Response:
        """Several instructions grounded in one scene, parsed in one batch."""
        if len(body.instructions) > service.limits.max_instructions:
            raise RequestRefused(422, "too_many_instructions", f"{len(body.instructions)} instructions, over the "
                                 f"limit of {service.limits.max_instructions} per request")
        for i, instruction in enumerate(body.instructions):
            _at(i, service.check_instruction, instruction)

        async def work() -> list[GroundingResult]:
            scene = await service.scene(body)
            results = await service.in_model_thread(service.model().ground_many, body.instructions, scene)
            for i, result in enumerate(results):
                _at(i, service.check_tasks, result.parse)
            return results

        return _json(await service.within_limit(work()))

    @app.post("/v1/answer", response_model=GroundingResult, tags=["api"])
    async def answer(body: AnswerRequest) -> Response:
        """A result with its first question answered by words (`reply`) or a candidate id (`node`), in the scene
        it was grounded in: the plan, or a narrower question."""
        if body.reply is not None:
            service.check_instruction(body.reply, "reply")

        async def work() -> GroundingResult:
            scene = await service.scene(body)
            return await run_in_threadpool(lambda: service.model().answer(body.result, body.reply, node=body.node,
                                                                          scene=scene))

        return _json(await service.within_limit(work()))

    @app.get("/v1/skills", response_model=SkillList, tags=["api"])
    async def skills() -> Response:
        """The skill library the service grounds to."""
        return _json(SkillList(skills=list(service.model().library.skills.values())))

    @app.get("/v1/scenes", response_model=SceneList, tags=["api"])
    async def scenes() -> Response:
        """The scenes a request may name by `scene_id`."""
        return _json(service.scenes.listing())

    @app.get("/v1/scenes/{scene_id}", tags=["api"])
    async def scene(scene_id: str) -> Response:
        """One scene of the server, in the scene format (formats.md section 3)."""
        return Response(service.scenes.source(scene_id), media_type="application/json")


def _next_turn(agent: Agent, scene: SceneGraph, body: GroundRequest) -> GroundingResult:
    """`body.instruction` as the turn after `body.previous` of a dialogue (`Agent.session`), in `scene`."""
    check_result(body.previous, scene, agent.library)
    session = agent.session(scene)
    session.keep(body.previous)
    return session.ground(body.instruction)


def _at(index: int, check: Callable[[object], None], value: object) -> None:
    """`check(value)` for item `index` of a `/v1/ground_many` request: a refusal names the item
    (`instructions[3]: ...`)."""
    try:
        check(value)
    except TageError as err:
        refusal = refusal_of(err)
        raise RequestRefused(refusal.status, refusal.code, f"instructions[{index}]: {refusal}") from err


def _probe_routes(app: FastAPI, service: _Service) -> None:
    @app.api_route("/healthz", methods=["GET", "HEAD"], response_model=Status, tags=["operations"])
    async def healthz() -> Status:
        """Live: the process answers."""
        return Status(status="ok")

    @app.api_route("/readyz", methods=["GET", "HEAD"], response_model=Status, tags=["operations"])
    async def readyz() -> Status:
        """Ready: the model is loaded (503 until then)."""
        service.model()
        return Status(status="ready")

    @app.get("/metrics", tags=["operations"], response_class=Response)
    async def metrics() -> Response:
        """Prometheus text: requests, latency, errors by code, micro-batch sizes."""
        content, media_type = service.metrics.render()
        return Response(content, media_type=media_type)

    page = _PAGE.read_text(encoding="utf-8")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def playground() -> HTMLResponse:
        return HTMLResponse(page)
