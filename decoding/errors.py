"""The exception hierarchy of tage: one root, one subclass per stage."""

__all__ = ["TageError", "DataError", "ModelError", "OnnxExportError", "DecodingError"]


class TageError(Exception):
    """Root of every error tage raises on bad input; the CLI maps it to exit code 2."""


class DataError(TageError):
    """A dataset, prediction file or parse that cannot be read or does not validate."""


class ModelError(TageError):
    """A checkpoint that is missing, corrupt or does not match its config."""


class OnnxExportError(ModelError):
    """The installed torch, onnx and ONNX Runtime cannot export or run one of the model's graphs (their versions do
    not fit each other); the torch runtime still can."""


class DecodingError(TageError):
    """An instruction or output inventory that the decoders cannot handle."""
