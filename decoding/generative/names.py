"""Names of the generative baseline's backends, importable without torch (the command line lists them at start)."""

__all__ = ["GENERATIVE_OUTLINES", "GENERATIVE_CONSTRAINED", "GENERATIVE_SPECULATIVE", "GENERATIVE_BACKENDS"]

GENERATIVE_OUTLINES = "generative-outlines"        # (a) stock outlines.Generator over HF generate
GENERATIVE_CONSTRAINED = "generative-constrained"  # (b) greedy under the compiled format: the other two's reference
GENERATIVE_SPECULATIVE = "generative-speculative"  # (c) (b) with jump-forward and drafts verified in one pass
GENERATIVE_BACKENDS = (GENERATIVE_OUTLINES, GENERATIVE_CONSTRAINED, GENERATIVE_SPECULATIVE)
