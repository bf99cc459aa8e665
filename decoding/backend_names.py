"""Names of the decoding backends, importable without torch (the command line lists them at start-up)."""

__all__ = ["GREEDY", "CONSTRAINED", "SPECULATIVE", "DECODER_NAMES", "DEFAULT_BACKEND"]

GREEDY = "greedy"              # the reference: the model's best choice at every decision
CONSTRAINED = "constrained"    # greedy restricted to the output grammar; forced steps cost no call
SPECULATIVE = "speculative"    # constrained, with drafted decisions verified in batched passes
DECODER_NAMES = (GREEDY, CONSTRAINED, SPECULATIVE)
DEFAULT_BACKEND = CONSTRAINED  # valid by construction and, measured, as fast as greedy (docs/benchmarks.md)
