"""Importing and loading tage changes nothing in the host process: no environment variable, no hub access; and a
parse does not import the scene graphs' networkx."""

import json
import os
import subprocess
import sys

# torch._dynamo (imported by transformers' BERT) sets TORCHINDUCTOR_CACHE_DIR on import: torch's doing, so the
# script imports it before taking the "before" picture
SCRIPT = """
import json, os, sys
import torch._dynamo
before = dict(os.environ)
import agent, decoding, grounding
from agent.parsers import make_parser
parser = make_parser("hybrid")
parsed = parser.parse("pick up the box from the couch")
changed = sorted(k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k))
print(json.dumps({"changed": changed, "tasks": [t.type for t in parsed.tasks]}))
"""


def test_importing_and_parsing_sets_no_environment_variable_and_needs_no_hub(tmp_path):
    # no HF_HUB_OFFLINE from the test: the weights must load with local_files_only, wherever HF_HOME points
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "TORCH_COMPILE"))}
    env.update({"HF_HOME": str(tmp_path / "hf"), "TAGE_CACHE_DIR": str(tmp_path / "cache")})
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300,
                         check=True)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["changed"] == []
    assert report["tasks"] == ["Picking"]
    assert not (tmp_path / "hf").exists()  # nothing was fetched or cached from a hub


def test_a_parse_does_not_import_networkx():
    code = ("import sys; from agent import Agent; Agent.load().parse('pick up the box'); "
            "print('networkx' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.split()[-1] == "False"  # imported with the first scene, not for a parse (start-up)
