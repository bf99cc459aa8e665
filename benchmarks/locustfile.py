"""Locust users of `tage serve`: valid requests (parse, ground by scene id and with the scene inline, ground_many) mixed
with invalid ones, each of which must get its 4xx; a 5xx, a dropped connection or a wrong status is a failure.

Run by benchmarks/load.py (`make load`); alone:

    locust -f benchmarks/locustfile.py --headless -u 32 -r 32 --host http://127.0.0.1:8000 --requests 3000
"""

import json
import random
from pathlib import Path

import gevent
from locust import FastHttpUser, events, task

ROOT = Path(__file__).resolve().parents[1]
INSTRUCTIONS = [json.loads(line)["instruction"]
                for line in (ROOT / "data" / "tage" / "test.jsonl").read_text(encoding="utf-8").splitlines()[:200]]

# (name, path, body: JSON value or raw bytes, the status it must get); invalid bodies name what is wrong with them
INVALID = [
    ("invalid: not JSON", "/v1/parse", b"{\"instruction\": ", 422),
    ("invalid: wrong type", "/v1/parse", {"instruction": 5}, 422),
    ("invalid: missing field", "/v1/ground", {"scene_id": "kitchen"}, 422),
    ("invalid: unknown field", "/v1/parse", {"instruction": "open the fridge", "sudo": True}, 422),
    ("invalid: two scenes", "/v1/ground", {"instruction": "open the fridge", "scene_id": "kitchen", "scene": {}}, 422),
    ("invalid: unknown scene", "/v1/ground", {"instruction": "open the fridge", "scene_id": "nowhere"}, 404),
    ("invalid: too long", "/v1/parse", {"instruction": "pick up the box " * 100}, 422),
    ("invalid: dangling id", "/v1/ground", {"instruction": "take the mug", "scene": {
        "objects": [{"id": "mug_1", "class": "cup", "on": "no_table"}]}}, 422),
    ("invalid: NaN position", "/v1/ground", b'{"instruction": "take the mug", "scene": {"objects": '
                                            b'[{"id": "mug_1", "class": "cup", "position": [NaN, 0, 0]}]}}', 422),
    ("invalid: body too large", "/v1/parse", b'{"instruction": "' + b"x" * 1_100_000 + b'"}', 413),
]
_run = {"limit": 0, "sent": 0, "runner": None}


@events.init_command_line_parser.add_listener
def _arguments(parser) -> None:
    parser.add_argument("--requests", type=int, default=0, help="stop after this many requests (0: --run-time)")


@events.test_start.add_listener
def _start(environment, **_) -> None:
    _run.update(limit=environment.parsed_options.requests, runner=environment.runner)


@events.request.add_listener
def _count(**_) -> None:
    _run["sent"] += 1
    if _run["limit"] and _run["sent"] == _run["limit"]:
        gevent.spawn(_run["runner"].quit)


class Client(FastHttpUser):
    """One robot: mostly valid requests, one in five invalid."""

    @task(4)
    def parse(self) -> None:
        self._post("parse", "/v1/parse", {"instruction": random.choice(INSTRUCTIONS)}, 200)

    @task(4)
    def ground_by_id(self) -> None:
        body = {"instruction": random.choice(INSTRUCTIONS), "scene_id": random.choice(["kitchen", "apartment"])}
        self._post("ground: scene_id", "/v1/ground", body, 200)

    @task(2)
    def ground_inline(self) -> None:
        body = {"instruction": random.choice(INSTRUCTIONS), "scene": self.kitchen}
        self._post("ground: inline scene", "/v1/ground", body, 200)

    @task(1)
    def ground_many(self) -> None:
        body = {"instructions": random.sample(INSTRUCTIONS, 4), "scene_id": "kitchen"}
        self._post("ground_many", "/v1/ground_many", body, 200)

    @task(3)
    def invalid(self) -> None:
        self._post(*random.choice(INVALID))

    def on_start(self) -> None:
        self.kitchen = self.client.get("/v1/scenes/kitchen").json()

    def _post(self, name: str, path: str, body, status: int) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        with self.client.post(path, data=raw, headers={"Content-Type": "application/json"}, name=name,
                              catch_response=True) as response:
            text = (response.text or "")[:200]  # none when the connection failed (status 0)
            if response.status_code != status:
                response.failure(f"status {response.status_code}, expected {status}: {text}")
            elif status != 200 and "error" not in response.json():
                response.failure(f"a {status} without an error body: {text}")
            else:
                response.success()
