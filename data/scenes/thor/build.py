"""Convert the four AI2-THOR floor plans of `../ai2thor/` into scenes of the project's format (formats.md section 3).

Run from the repository root: `python data/scenes/thor/build.py`. One floor plan is one room, named after its kind
(kitchen, living_room, bedroom, bathroom); ids are `<type>_<n>` in the order THOR lists the objects.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from grounding.ai2thor import export_scene, load_ai2thor  # noqa: E402

PLANS = {"FloorPlan6": "kitchen", "FloorPlan207": "living_room", "FloorPlan306": "bedroom", "FloorPlan404": "bathroom"}


def main() -> None:
    for plan, room in PLANS.items():
        source = HERE.parent / "ai2thor" / f"{plan}_{room}_objects.json"
        export_scene(load_ai2thor(source, room=room), HERE / f"{plan}_{room}.yaml")


if __name__ == "__main__":
    main()
