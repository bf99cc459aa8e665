import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from agent.decisions import decisions
from decoding.parse import Parse
from grounding import GroundingResult, SceneGraph

ROOT = Path(__file__).resolve().parents[3]
KITCHEN = ROOT / "data" / "scenes" / "kitchen.yaml"
TOKEN = "t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LIMITS = {"max_body_bytes": 100_000, "max_instruction_chars": 300, "max_instructions": 40, "max_scene_items": 100,
          "max_tasks": 4, "timeout_s": 600}
FIVE_TASKS = "open the fridge, take the apple, close the fridge, go to the table and put the apple on the table"


@pytest.fixture(scope="module")
def server(start_server):
    limits = [arg for name, value in LIMITS.items() for arg in ("--limit", f"{name}={value}")]
    return start_server("--token", TOKEN, *limits)


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=120) as c:
        yield c


@pytest.fixture(scope="module")
def kitchen():
    return SceneGraph.load(KITCHEN)


def _untimed(result: dict) -> dict:
    return decisions(GroundingResult.model_validate(result))


def test_probes_need_no_token_and_say_ready(server):
    assert httpx.get(server.url + "/healthz").json() == {"status": "ok"}
    assert httpx.get(server.url + "/readyz").json() == {"status": "ready"}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}])
def test_a_request_without_the_bearer_token_gets_401(server, headers):
    response = httpx.post(server.url + "/v1/parse", json={"instruction": "open the fridge"}, headers=headers)
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


def test_parse_returns_a_parse(client):
    parse = Parse.model_validate(client.post("/v1/parse", json={"instruction": "pick up the box"}).json())
    assert parse.tasks[0].type == "Picking"


def test_ground_by_scene_id_and_inline_scene_equal_the_library(client, shipped_agent, kitchen):
    expected = decisions(shipped_agent.ground("take the red mug on the table", kitchen))
    by_id = client.post("/v1/ground", json={"instruction": "take the red mug on the table", "scene_id": "kitchen"})
    inline = client.post("/v1/ground", json={"instruction": "take the red mug on the table",
                                             "scene": kitchen.to_dict()})
    assert _untimed(by_id.json()) == expected == _untimed(inline.json())


def test_ground_many_equals_ground_one_by_one(client, shipped_agent, kitchen):
    instructions = ["take the red mug", "open the fridge", "bring me the mug", "go to the table", ""]
    response = client.post("/v1/ground_many", json={"instructions": instructions, "scene_id": "kitchen"})
    assert [_untimed(r) for r in response.json()] == [
        decisions(shipped_agent.ground(i, kitchen)) for i in instructions]


def test_concurrent_requests_are_micro_batched_with_the_results_of_serial_calls(server, client, shipped_agent,
                                                                                kitchen):
    lines = (ROOT / "data" / "tage" / "test.jsonl").read_text().splitlines()[:32]
    instructions = [json.loads(line)["instruction"] for line in lines]
    before = _batches(client)

    def ground(instruction: str) -> dict:
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=300) as own:
            return own.post("/v1/ground", json={"instruction": instruction, "scene_id": "kitchen"}).json()

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(ground, instructions))
    assert [_untimed(r) for r in results] == [
        decisions(shipped_agent.ground(i, kitchen)) for i in instructions]
    count, total = (a - b for a, b in zip(_batches(client), before, strict=True))
    assert total == 32 and count < 32  # some requests shared a batch


def _batches(client) -> tuple[float, float]:
    text = client.get("/metrics").text
    value = lambda name: float(next(line.split()[-1] for line in text.splitlines() if line.startswith(name + " ")))
    return value("tage_batch_size_count"), value("tage_batch_size_sum")


def test_a_question_is_answered_by_words_then_by_node(client):
    asked = client.post("/v1/ground", json={"instruction": "bring me the mug", "scene_id": "kitchen"}).json()
    assert asked["clarifications"][0]["candidates"] == ["mug_1", "mug_2", "mug_3"]
    narrowed = client.post("/v1/answer", json={"result": asked, "reply": "the red one", "scene_id": "kitchen"}).json()
    assert narrowed["clarifications"][0]["candidates"] == ["mug_1", "mug_3"]
    done = client.post("/v1/answer", json={"result": narrowed, "node": "mug_3", "scene_id": "kitchen"}).json()
    assert [s["skill"] for s in done["plan"]][-1] == "handover" and not done["clarifications"]


def test_a_dialogue_over_http_passes_the_previous_result(client):
    first = client.post("/v1/ground", json={"instruction": "take the mug", "scene_id": "kitchen"}).json()
    first = client.post("/v1/answer", json={"result": first, "reply": "the blue one", "scene_id": "kitchen"}).json()
    second = client.post("/v1/ground", json={"instruction": "now put it on the table", "scene_id": "kitchen",
                                             "previous": first})
    assert second.status_code == 200, second.text
    assert second.json()["tasks"][0]["parameters"] == {"object": "mug_2", "target": "table_1"}
    apartment = client.post("/v1/ground", json={"instruction": "now put it on the table", "scene_id": "apartment",
                                                "previous": first})
    assert apartment.status_code == 422 and "is not a node of the scene given" in apartment.text


def test_skills_scenes_metrics_and_openapi(client):
    assert "pick" in [s["name"] for s in client.get("/v1/skills").json()["skills"]]
    assert {"kitchen", "apartment"} <= {s["id"] for s in client.get("/v1/scenes").json()["scenes"]}
    assert SceneGraph.from_dict(client.get("/v1/scenes/kitchen").json()).name == "kitchen"
    metrics = client.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'tage_requests_total{method="POST",path="/v1/ground",status="200"}' in metrics.text
    assert 'tage_errors_total{code="unauthorized"}' in metrics.text
    assert "tage_request_seconds_bucket" in metrics.text
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/parse", "/v1/ground", "/v1/ground_many", "/v1/answer", "/v1/skills", "/v1/scenes"} <= set(paths)
    assert client.get("/docs").status_code == 200


BAD = [  # (path, body or raw text, status, code)
    ("/v1/parse", "not json", 422, "invalid_request"),
    ("/v1/parse", "[1, 2]", 422, "invalid_request"),
    ("/v1/parse", {}, 422, "invalid_request"),
    ("/v1/parse", {"instruction": 3}, 422, "invalid_request"),
    ("/v1/parse", {"instruction": "x", "extra": 1}, 422, "invalid_request"),
    ("/v1/parse", {"instruction": "x" * 301}, 422, "instruction_too_long"),
    ("/v1/parse", {"instruction": FIVE_TASKS}, 422, "too_many_tasks"),
    ("/v1/parse", {"instruction": "x" * 150_000}, 413, "body_too_large"),
    ("/v1/ground", {"instruction": "take the mug"}, 422, "invalid_request"),
    ("/v1/ground", {"instruction": "take the mug", "scene_id": "kitchen", "scene": {}}, 422, "invalid_request"),
    ("/v1/ground", {"instruction": "take the mug", "scene_id": "moon"}, 404, "unknown_scene"),
    ("/v1/ground", {"instruction": "take the mug", "scene": {"objects": [{"id": "a"}]}}, 422, "invalid_scene"),
    ("/v1/ground", {"instruction": "take the mug", "scene": {"rooms": "kitchen"}}, 422, "invalid_scene"),
    ("/v1/ground", {"instruction": "take the mug", "scene": {"relations": [
        {"subject": "a", "predicate": "on", "object": "b"}]}}, 422, "invalid_scene"),
    ("/v1/ground", {"instruction": "take the mug", "scene": {"rooms": [{"id": "k"}], "objects": [
        {"id": f"o{i}", "class": "cup", "room": "k"} for i in range(101)]}}, 422, "scene_too_large"),
    ("/v1/ground_many", {"instructions": "take the mug", "scene_id": "kitchen"}, 422, "invalid_request"),
    ("/v1/ground_many", {"instructions": ["go"] * 41, "scene_id": "kitchen"}, 422, "too_many_instructions"),
    ("/v1/ground_many", {"instructions": ["go", "x" * 301], "scene_id": "kitchen"}, 422, "instruction_too_long"),
    ("/v1/answer", {"result": {"instruction": "x"}, "reply": "the red one", "scene_id": "kitchen"}, 422,
     "invalid_request"),
    ("/v1/answer", {"result": {"instruction": "x", "parse": {"instruction": "x", "tokens": ["x"]}},
                    "reply": "the red one", "scene_id": "kitchen"}, 422, "cannot_answer"),
    ("/v1/answer", {"result": {"instruction": "x", "parse": {"instruction": "x", "tokens": ["x"]}},
                    "scene_id": "kitchen"}, 422, "invalid_request"),
    ("/v1/parse", '{"instruction": "pick \\ud800 up"}', 422, "invalid_instruction"),   # half an emoji
    ("/v1/ground", '{"instruction": "\\udfff", "scene_id": "kitchen"}', 422, "invalid_instruction"),
    ("/v1/ground_many", '{"instructions": ["go", "x \\ud83d"], "scene_id": "kitchen"}', 422, "invalid_instruction"),
    ("/v1/parse", "[" * 20_000 + "]" * 20_000, 422, "invalid_request"),   # deeper than the JSON parser goes
    ("/v1/parse/", {"instruction": "x"}, 404, "not_found"),                  # no redirect with an empty body
    ("/v1/nothing", {}, 404, "not_found"),
    ("/v1/skills", {}, 405, "method_not_allowed"),
]


@pytest.mark.parametrize("path, body, status, code", BAD, ids=[f"{b[0]}-{b[3]}-{i}" for i, b in enumerate(BAD)])
def test_bad_requests_get_a_4xx_with_an_error_body(client, path, body, status, code):
    if isinstance(body, str):
        response = client.post(path, content=body, headers={"Content-Type": "application/json"})
    else:
        response = client.post(path, json=body)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code), response.text
    assert response.json()["error"]["message"]


def test_a_bad_instruction_fails_alone_in_its_micro_batch(server, shipped_agent):
    good = ["take the red mug", "open the fridge", "go to the table", "bring me the mug"] * 4

    def parse(instruction: str) -> int:
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=300) as own:
            body = json.dumps({"instruction": instruction}, ensure_ascii=False).replace("BAD", "\\ud800")
            return own.post("/v1/parse", content=body, headers={"Content-Type": "application/json"}).status_code

    with ThreadPoolExecutor(max_workers=17) as pool:
        codes = list(pool.map(parse, [*good[:8], "pick BAD up", *good[8:]]))
    assert codes == [200] * 8 + [422] + [200] * 8


def test_messages_say_what_is_wrong_with_the_request(client):
    def message(response) -> str:
        return response.json()["error"]["message"]

    bad_json = client.post("/v1/parse", content='{"instruction": }', headers={"Content-Type": "application/json"})
    assert message(bad_json).startswith("invalid request body: the body is not JSON: ") and "character" in message(
        bad_json)
    plain = client.post("/v1/parse", content='{"instruction": "x"}', headers={"Content-Type": "text/plain"})
    assert "Content-Type: application/json" in message(plain)
    assert message(client.post("/v1/nothing", json={})) == "no endpoint POST /v1/nothing (GET /openapi.json lists them)"
    assert "allowed: GET" in message(client.post("/v1/skills", json={}))
    assert client.head("/healthz").status_code == 200 and client.head("/readyz").status_code == 200


def test_metrics_label_a_scene_request_by_its_route(client):
    client.get("/v1/scenes/kitchen")
    assert 'path="/v1/scenes/{scene_id}",status="200"' in client.get("/metrics").text


def test_ground_many_names_the_item_over_a_limit(client):
    response = client.post("/v1/ground_many", json={"instructions": ["go", "x" * 301], "scene_id": "kitchen"})
    assert response.json()["error"]["message"].startswith("instructions[1]: the instruction has 301 characters")


def test_an_answer_in_a_scene_that_lost_the_node_is_refused_naming_it(client, kitchen):
    asked = client.post("/v1/ground", json={"instruction": "bring me the mug", "scene_id": "kitchen"}).json()
    data = kitchen.to_dict()
    data["objects"] = [o for o in data["objects"] if o["id"] != "mug_1"]
    data["relations"] = [r for r in data["relations"] if "mug_1" not in (r["subject"], r["object"])]
    for answer in ({"node": "mug_3", "scene": data}, {"reply": "", "scene_id": "kitchen"},
                   {"reply": "x" * 301, "scene_id": "kitchen"}, {"node": "mug_1", "scene_id": "apartment"}):
        response = client.post("/v1/answer", json={"result": asked, **answer})
        assert response.status_code == 422, response.text
    assert "'mug_1' is not a node of the scene given" in response.json()["error"]["message"]


def test_an_answer_naming_a_node_that_is_not_a_candidate_is_refused(client):
    asked = client.post("/v1/ground", json={"instruction": "bring me the mug", "scene_id": "kitchen"}).json()
    response = client.post("/v1/answer", json={"result": asked, "node": "sink_1", "scene_id": "kitchen"})
    assert response.status_code == 422 and "sink_1" in response.json()["error"]["message"]


STUB = """
import sys, time
import uvicorn
from agent.service import Limits, ServiceConfig, create_app

class SlowAgent:  # parses nothing, slowly: the timeout must answer first
    def parse_many(self, instructions):
        time.sleep(3)
        return []

config = ServiceConfig(limits=Limits(timeout_s=0.5))
uvicorn.run(create_app(config, agent=SlowAgent()), host="127.0.0.1", port=int(sys.argv[-1]), log_level="warning")
"""


def test_a_request_over_the_time_limit_gets_503(start_server):
    slow = start_server(command=(sys.executable, "-c", STUB))
    response = httpx.post(slow.url + "/v1/parse", json={"instruction": "open the fridge"}, timeout=30)
    assert response.status_code == 503 and response.json()["error"]["code"] == "timeout"


def _raw(url: str, head: bytes, body: bytes, wait_s: float = 30) -> bytes:
    """Send a request by hand (a declared length the body may not keep to) and read what comes back."""
    import socket

    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait_s) as s:
        s.sendall(head + body)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < int(
                answer.lower().split(b"content-length: ", 1)[1].split(b"\r\n", 1)[0]):
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer


def test_a_body_that_stops_coming_gets_408_and_an_oversized_length_413_at_once(start_server, server):
    slow = start_server(command=(sys.executable, "-c", STUB))   # timeout_s = 0.5
    head = b"POST /v1/parse HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    answer = _raw(slow.url, head, b'{"instruction": "op')
    assert answer.startswith(b"HTTP/1.1 408") and b"body_timeout" in answer
    huge = (b"POST /v1/parse HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode()
            + b"\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n")
    answer = _raw(server.url, huge, b"{")
    assert answer.startswith(b"HTTP/1.1 413") and b"body_too_large" in answer
