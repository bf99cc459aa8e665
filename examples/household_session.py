"""A household session in the demo apartment: several instructions on one scene state, a question answered in code.

Run from the repository root: `python examples/household_session.py`. Prints each turn's trace; exits 1 if a step
failed or a goal does not hold.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent import Agent  # noqa: E402
from agent.simulation import format_trace, simulate_session  # noqa: E402
from grounding import GroundingResult, SceneGraph  # noqa: E402

INSTRUCTIONS = ["turn on the tv",
                "bring me the mug",                      # two mugs in the kitchen: the robot asks which
                "open the fridge and take the milk",
                "put the milk on the kitchen table"]


def answer_with_the_red_one(agent: Agent):
    """The user's reply, given in code: "the red one" (Agent.answer binds the candidate it fits and plans again)."""
    def answer(result: GroundingResult, scene: SceneGraph) -> GroundingResult:
        print(f"robot: {result.clarifications[0].question}\nuser: the red one")
        return agent.answer(result, "the red one", scene=scene)
    return answer


def main() -> int:
    agent = Agent.load()
    scene = SceneGraph.load(ROOT / "data" / "scenes" / "apartment.yaml")
    trace = simulate_session(agent, scene, INSTRUCTIONS, answer=answer_with_the_red_one(agent))
    print(format_trace(trace))
    final = trace.final_scene
    print(f"\nmug_red is now with: {final['mug_red'].attributes.get('with')}; "
          f"milk on: {sorted(final.related('milk_1', 'on'))}; tv on: {final['tv_l'].states.get('on')}")
    return 0 if trace.success else 1


if __name__ == "__main__":
    sys.exit(main())
