"""Names of the decoding backends, importable without torch (the command line lists them at start-up)."""

__all__ = ["GREEDY", "CONSTRAINED", "SPECULATIVE", "DECODER_NAMES", "DEFAULT_BACKEND"]

GREEDY = "greedy"              # the reference: the model's best choice at every decision
CONSTRAINED = "constrained"    # greedy restricted to the output grammar; forced steps cost no call
SPECULATIVE = "speculative"    # constrained, with a drafted parse verified in one batched pass
DECODER_NAMES = (GREEDY, CONSTRAINED, SPECULATIVE)
DEFAULT_BACKEND = SPECULATIVE  # constrained's output (valid by construction), fewer calls, faster (docs/benchmarks.md)
