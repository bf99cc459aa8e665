"""`tage annotate`: thin click commands over the annotation functions; problems go to stderr, then exit code 2."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from decoding.backend_names import DEFAULT_BACKEND

from ..options import runtime_option
from .problems import Problems

__all__ = ["annotate"]

_out_option = click.option("-o", "--out", type=click.Path(path_type=Path), required=True, help="file to write")


def _finish(problems: Problems, items: int) -> None:
    """Print every problem and a summary on stderr and exit with code 2, if there was a problem."""
    if problems:
        for problem in problems.items:
            click.echo(str(problem), err=True)
        click.echo(problems.summary(items), err=True)
        sys.exit(2)


@click.group()
def annotate() -> None:
    """Annotation round trip: pre-annotate, Label Studio export / import, validate, convert."""


@annotate.command("pre")
@click.argument("input_file", metavar="INPUT", type=click.Path(path_type=Path))
@_out_option
@click.option("--backend", default=DEFAULT_BACKEND, show_default=True, help="decoding backend, or 'rules'")
@click.option("--model", type=click.Path(path_type=Path), default=None, help="extractor checkpoint folder")
@runtime_option
@click.option("--batch", type=click.IntRange(1), default=64, show_default=True, help="instructions per model call")
@click.option("--chunk", type=click.IntRange(1), default=256, show_default=True,
              help="lines per atomic write (what a killed run may lose)")
@click.option("--progress/--no-progress", default=True, show_default=True, help="progress bar on stderr")
@click.option("--ray", "use_ray", is_flag=True, help="parse on Ray (pip install 'tage[distributed]')")
@click.option("--address", default=None, help="with --ray: the cluster's address (default: start a local Ray)")
@click.option("--workers", type=click.IntRange(1), default=2, show_default=True,
              help="with --ray: actors, each with its own model")
def pre(input_file: Path, out: Path, backend: str, model: Path | None, runtime: str, batch: int, chunk: int,
        progress: bool, use_ray: bool, address: str | None, workers: int) -> None:
    """Parse the instructions of INPUT (.txt, .jsonl or .csv) into a JSONL of parses with scores; a rerun
    continues where the last one stopped."""
    from .pre import done_lines
    from .progress import progress_bar
    from .sources import read_instructions

    problems = Problems(str(input_file))
    items = read_instructions(input_file, problems)
    with progress_bar("parsing", len(items), done_lines(out, items), progress) as advance:
        if use_ray:
            from .distributed import pre_annotate_ray

            result = pre_annotate_ray(items, out, backend, model, batch, chunk, workers, address, advance,
                                      runtime=runtime)
        else:
            result = _pre_local(items, out, backend, model, runtime, batch, chunk, advance)
    click.echo(f"{result.total} instructions: {result.skipped} already done, {result.written} parsed in "
               f"{result.seconds:.1f} s ({result.per_second:.1f}/s) -> {out}")
    _finish(problems, len(items) + len(problems))


def _pre_local(items, out: Path, backend: str, model: Path | None, runtime: str, batch: int, chunk: int, advance):
    from agent.api import Agent

    from .pre import pre_annotate

    return pre_annotate(items, out, Agent.load(model, backend, runtime=runtime).parser.parse_many, batch, chunk,
                        advance)


@annotate.command("export")
@click.argument("parses", type=click.Path(path_type=Path))
@click.option("--to", "target", type=click.Choice(["label-studio"]), default="label-studio", show_default=True)
@_out_option
@click.option("--config", type=click.Path(path_type=Path), default=None,
              help="where the labeling config XML goes (default: OUT with .config.xml)")
@click.option("--model-version", default="tage", show_default=True, help="the predictions' model_version")
def export(parses: Path, target: str, out: Path, config: Path | None, model_version: str) -> None:
    """Write the parses of PARSES as Label Studio tasks with predictions, and the matching labeling config."""
    from agent.defaults import default_vocabulary
    from decoding.files import write_atomic

    from .sources import read_parse_lines
    from .studio_config import labeling_config
    from .studio_export import to_studio_tasks

    problems = Problems(str(parses))
    rows = read_parse_lines(parses, problems)
    config = config or out.with_name(out.stem + ".config.xml")
    write_atomic(out, json.dumps(to_studio_tasks([p for _, p in rows], model_version), ensure_ascii=False))
    write_atomic(config, labeling_config(default_vocabulary()))
    click.echo(f"{len(rows)} tasks -> {out}; labeling config -> {config}")
    _finish(problems, len(rows) + len(problems))


@annotate.command("import")
@click.argument("export_file", metavar="LS_EXPORT", type=click.Path(path_type=Path))
@_out_option
def import_(export_file: Path, out: Path) -> None:
    """Read a Label Studio JSON export back into a JSONL of parses (each task's latest annotation, else its
    prediction)."""
    from agent.defaults import default_vocabulary
    from decoding.files import write_parses

    from .studio_import import read_studio_export

    result = read_studio_export(export_file, default_vocabulary())
    write_parses(out, result.parses)
    sources = ", ".join(f"{n} from {k}" for k, n in sorted(result.sources.items()))
    click.echo(f"{len(result.parses)} parses ({sources or 'none'}) -> {out}")
    _finish(result.problems, len(result.parses))


@annotate.command("validate")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--skills", type=click.Path(path_type=Path), multiple=True,
              help="YAML skill file or folder added over the default library (repeatable)")
def validate(file: Path, skills: tuple[Path, ...]) -> None:
    """Check every line of a JSONL of parses against the label set and the skill library; exit 2 on problems."""
    from agent.defaults import default_vocabulary, load_library

    from .validate import validate_file

    result = validate_file(file, default_vocabulary(), load_library(skills or None))
    for problem in result.problems.items:
        click.echo(str(problem), err=True)
    click.echo(result.summary())
    if result.problems:
        sys.exit(2)


@annotate.command("convert")
@click.argument("input_file", metavar="INPUT", type=click.Path(path_type=Path))
@_out_option
def convert(input_file: Path, out: Path) -> None:
    """Convert by the files' suffixes: .jsonl -> .csv (tagE's form), .csv -> .jsonl, .jsonl -> .bio / .conll."""
    from decoding.files import write_atomic, write_parses

    from .convert import read_tage_csv, to_bio, to_tage_csv
    from .sources import read_parse_lines

    problems, kinds = Problems(str(input_file)), (input_file.suffix.lower(), out.suffix.lower())
    if kinds == (".csv", ".jsonl"):
        parses = read_tage_csv(input_file, problems)
        write_parses(out, parses)
    elif kinds[0] == ".jsonl" and kinds[1] in (".csv", ".bio", ".conll"):
        parses = [p for _, p in read_parse_lines(input_file, problems)]
        text, notes = to_bio(parses) if kinds[1] != ".csv" else (to_tage_csv(parses), [])
        write_atomic(out, text)
        for note in notes:
            click.echo(f"{input_file}: {note}", err=True)
    else:
        raise click.UsageError(f"cannot convert {kinds[0] or 'no suffix'} to {kinds[1] or 'no suffix'}: "
                               "use .jsonl -> .csv | .bio | .conll, or .csv -> .jsonl")
    click.echo(f"{len(parses)} parses -> {out}")
    _finish(problems, len(parses) + len(problems))
