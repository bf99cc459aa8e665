"""The Label Studio round trip against a real server: our config and tasks in, its JSON export back, 580 equal.

Needs Label Studio in a virtualenv of its own (`make integration` makes `.venv-labelstudio`; another one can be
named by $TAGE_LABEL_STUDIO_VENV). The server runs on loopback with its SQLite store in a temporary folder.
"""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from agent.annotate import labeling_config, read_studio_export, to_studio_tasks
from agent.defaults import default_vocabulary
from decoding.files import read_parses

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
VENV = Path(os.environ.get("TAGE_LABEL_STUDIO_VENV", ROOT / ".venv-labelstudio")).resolve()
DRIVER = Path(__file__).with_name("labelstudio_driver.py")
TOKEN = "0123456789abcdef0123456789abcdef01234567"
STARTUP_S = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"label-studio exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(2)
    pytest.fail(f"label-studio did not answer {url}/health within {STARTUP_S} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def label_studio(tmp_path_factory):
    if not (VENV / "bin" / "label-studio").exists():
        pytest.skip(f"no Label Studio in {VENV}: run `make integration`")
    home = tmp_path_factory.mktemp("label-studio")
    port = _free_port()
    env = {**os.environ, "LABEL_STUDIO_BASE_DATA_DIR": str(home), "LABEL_STUDIO_USERNAME": "ci@example.com",
           "LABEL_STUDIO_PASSWORD": "ci-password-1", "LABEL_STUDIO_USER_TOKEN": TOKEN,
           "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true", "COLLECT_ANALYTICS": "false",
           "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true", "HOME": str(home)}
    log = home / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen([str(VENV / "bin" / "label-studio"), "start", "--no-browser", "--internal-host",
                                   "127.0.0.1", "--port", str(port)], env=env, cwd=home, stdout=out,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server, log)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # its own session: the server and any child it started
        server.wait(timeout=30)


def test_tage_test_split_survives_label_studio(label_studio, tmp_path):
    gold = read_parses(ROOT / "data" / "tage" / "test.jsonl")
    tasks, config, export = tmp_path / "tasks.json", tmp_path / "config.xml", tmp_path / "export.json"
    tasks.write_text(json.dumps(to_studio_tasks(gold)), encoding="utf-8")
    config.write_text(labeling_config(default_vocabulary()), encoding="utf-8")
    run = subprocess.run([str(VENV / "bin" / "python"), str(DRIVER), label_studio, TOKEN, str(config), str(tasks),
                          str(export)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    print(run.stdout.strip())
    back = read_studio_export(export, default_vocabulary())
    assert not back.problems, back.problems.items[:5]
    assert back.sources == {"annotations": len(gold)}
    assert sum(a == b for a, b in zip(gold, back.parses, strict=True)) == len(gold) == 580
