"""A plan executed in a scene imported from AI2-THOR object metadata, and the result exported back to that format.

Run from the repository root: `python examples/ai2thor_plan.py [OUT.json]` (default: ai2thor_after.json in a
temporary folder). The exported list has THOR's fields (objectId, objectType, position, parentReceptacles, isOpen,
isToggled, pickupable ...), so a THOR controller or another tool can read where things ended up.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent import Agent  # noqa: E402
from agent.simulation import format_trace, simulate_session  # noqa: E402
from decoding.files import write_atomic  # noqa: E402
from grounding import export_ai2thor, load_ai2thor  # noqa: E402

THOR_OBJECTS = ROOT / "data" / "scenes" / "ai2thor" / "FloorPlan6_kitchen_objects.json"
INSTRUCTIONS = ["take the egg from the fridge and put it in the microwave", "turn on the microwave"]


def main(out: Path) -> int:
    scene = load_ai2thor(THOR_OBJECTS)
    trace = simulate_session(Agent.load(), scene, INSTRUCTIONS)
    print(format_trace(trace))
    objects = export_ai2thor(trace.final_scene)
    write_atomic(out, json.dumps(objects, indent=1))
    egg = next(o for o in objects if o["objectType"] == "Egg")
    microwave = next(o for o in objects if o["objectType"] == "Microwave")
    print(f"\nwrote {len(objects)} AI2-THOR objects to {out}")
    print(f"Egg parentReceptacles: {egg['parentReceptacles']}; Microwave isOpen: {microwave['isOpen']}, "
          f"isToggled: {microwave['isToggled']}")
    return 0 if trace.success else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "ai2thor_after.json"))
