"""Any request body over real loopback HTTP: a valid response or a 4xx with the error body naming the problem;
never a 5xx, never a hang."""

import json
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from decoding.parse import Parse
from grounding import GroundingResult, SceneGraph
from tests.properties import JSON, examples, instructions, mutated

ROOT = Path(__file__).resolve().parents[3]
SCENE = SceneGraph.load(ROOT / "data" / "scenes" / "kitchen.yaml").to_dict()
TOKEN = "t0ken"
VALID = {
    "/v1/parse": {"instruction": "pick up the box"},
    "/v1/ground": {"instruction": "take the red mug on the table", "scene": SCENE},
    "/v1/ground_many": {"instructions": ["open the fridge", "bring me the mug"], "scene_id": "kitchen"},
    "/v1/answer": {"result": None, "reply": "the red one", "scene_id": "kitchen"},  # result: asked at start
}
RESPONSE = {"/v1/parse": Parse, "/v1/ground": GroundingResult, "/v1/answer": GroundingResult}


@pytest.fixture(scope="module")
def client(start_server):
    server = start_server("--backend", "rules", "--token", TOKEN, "--limit", "timeout_s=60")
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=90) as c:
        asked = c.post("/v1/ground", json={"instruction": "bring me the mug", "scene_id": "kitchen"}).json()
        VALID["/v1/answer"] = {**VALID["/v1/answer"], "result": asked}
        yield c


def _check(response: httpx.Response, path: str) -> None:
    assert response.status_code < 500, response.text[:500]
    body = response.json()
    if response.status_code != 200:
        assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"], body
    elif path == "/v1/ground_many":
        [GroundingResult.model_validate(item) for item in body]
    else:
        RESPONSE[path].model_validate(body)


def _post(client: httpx.Client, path: str, body) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(path, content=content, headers={"Content-Type": "application/json"})


bodies = st.one_of(
    st.sampled_from(sorted(VALID)).flatmap(lambda path: st.tuples(st.just(path), st.deferred(
        lambda: mutated(VALID[path], at_most=3)))),
    st.tuples(st.sampled_from(sorted(VALID)), JSON),
    st.tuples(st.sampled_from(sorted(VALID)), st.binary(max_size=200)),
    st.tuples(st.just("/v1/parse"), instructions().map(lambda text: {"instruction": text})),
)


@given(request=bodies)
@examples(400)
def test_any_body_gets_a_valid_answer_or_a_4xx_naming_the_problem(client, request):
    path, body = request
    _check(_post(client, path, body), path)


@pytest.mark.parametrize("headers", [{"Authorization": "Bearer wrong"}, {"Authorization": ""}, {}])
def test_without_the_token_every_api_path_is_refused(client, headers):
    for path in [*VALID, "/v1/skills", "/v1/scenes", "/metrics", "/openapi.json"]:
        response = httpx.request("POST" if path in VALID else "GET", str(client.base_url) + path, json={},
                                 headers=headers, timeout=30)
        assert response.status_code == 401, path


def test_the_server_listens_on_loopback_only(client):
    import psutil

    port = client.base_url.port
    listening = [c.laddr.ip for c in psutil.net_connections("tcp") if c.status == "LISTEN" and c.laddr.port == port]
    assert listening and all(ip in ("127.0.0.1", "::1") for ip in listening), listening
