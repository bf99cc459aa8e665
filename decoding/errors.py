"""The exception hierarchy of tage: one root, one subclass per stage."""

__all__ = ["TageError", "DataError", "ModelError", "DecodingError"]


class TageError(Exception):
    """Root of every error tage raises on bad input; the CLI maps it to exit code 2."""


class DataError(TageError):
    """A dataset, prediction file or parse that cannot be read or does not validate."""


class ModelError(TageError):
    """A checkpoint that is missing, corrupt or does not match its config."""


class DecodingError(TageError):
    """An instruction or output inventory that the decoders cannot handle."""
