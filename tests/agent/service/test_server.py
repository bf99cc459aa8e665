import json
import subprocess
from pathlib import Path

import pytest
import yaml

from agent.service.server import _loopback

from .conftest import TAGE


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("::1", True), ("localhost", True),
                                            ("0.0.0.0", False), ("192.168.1.5", False), ("robot.lan", False)])
def test_loopback_hosts(host, loopback):
    assert _loopback(host) is loopback


@pytest.mark.parametrize("limit, message", [("max_body_bytes", "expected NAME=VALUE"),
                                            ("bogus=1", "bogus"), ("timeout_s=-1", "timeout_s")])
def test_a_bad_limit_stops_tage_serve_with_exit_code_2(limit, message):
    run = subprocess.run([TAGE, "serve", "--port", "0", "--limit", limit], capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("workers", [["--workers", "1"], ["--workers", "2"], ["--workers", "2", "--reuse-port"]])
def test_a_port_in_use_stops_tage_serve_with_exit_code_2_naming_it(workers):
    import socket

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        port = held.getsockname()[1]
        run = subprocess.run([TAGE, "serve", "--port", str(port), *workers, "--backend", "rules"],
                             capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and f"127.0.0.1:{port}: Address already in use" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_model_that_cannot_load_is_reported_by_readyz_and_every_request(tmp_path, workers):
    import time

    import httpx

    from .conftest import Server

    server = Server([TAGE, "serve", "--model", str(tmp_path / "no-model"), "--workers", workers], tmp_path / "log")
    try:
        deadline, body = time.monotonic() + 300, {}
        while body.get("error", {}).get("code") in (None, "not_ready") and time.monotonic() < deadline:
            time.sleep(0.5)
            try:
                ready = httpx.get(server.url + "/readyz", timeout=5)
                body = ready.json()
            except httpx.TransportError:  # not listening yet
                pass
        assert ready.status_code == 503 and body["error"]["code"] == "load_failed", body
        assert str(tmp_path / "no-model") in body["error"]["message"]
        parse = httpx.post(server.url + "/v1/parse", json={"instruction": "open the fridge"}, timeout=30)
        assert parse.status_code == 503 and parse.json()["error"]["code"] == "load_failed"
    finally:
        server.stop()


def test_two_files_of_one_scene_id_stop_tage_serve_naming_both(tmp_path):
    kitchen = (Path(__file__).resolve().parents[3] / "data" / "scenes" / "kitchen.yaml").read_text()
    (tmp_path / "tiny.yaml").write_text(kitchen)
    (tmp_path / "tiny.json").write_text(json.dumps(yaml.safe_load(kitchen.replace(" on:", " 'on':"))))
    run = subprocess.run([TAGE, "serve", "--port", "0", "--scenes", str(tmp_path), "--backend", "rules"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and "two files give one scene id (tiny.json, tiny.yaml)" in run.stderr, run.stderr


def test_hidden_files_are_no_scenes(tmp_path):
    from agent.service.scenes import SceneStore

    kitchen = Path(__file__).resolve().parents[3] / "data" / "scenes" / "kitchen.yaml"
    (tmp_path / "kitchen.yaml").write_text(kitchen.read_text())
    (tmp_path / ".kitchen.yaml.swp.yaml").write_text("not: [a scene")
    assert [s.id for s in SceneStore.load(tmp_path).listing().scenes] == ["kitchen"]
