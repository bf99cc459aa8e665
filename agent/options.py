"""Command-line options shared by `tage` and `tage annotate`."""

from __future__ import annotations

import click

from decoding.backend_names import RUNTIMES

__all__ = ["runtime_option"]

runtime_option = click.option(
    "--runtime", type=click.Choice(RUNTIMES), default="auto", show_default=True,
    help="what runs the model's encoder and its decoder's teacher-forced pass (the rules and generative backends "
         "ignore it): auto (ONNX Runtime when installed), onnx, torch, or onnx-int8 (the encoder in int8: faster; "
         "not the same parses on every instruction)")
