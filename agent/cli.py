"""The `tage` command line: thin click commands over the plain functions of the library."""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

import click

from decoding.backend_names import DEFAULT_BACKEND
from decoding.errors import TageError
from grounding.maps import MAP_KINDS
from grounding.vocabulary import MODES as NAMING_MODES

from .annotate.cli import annotate
from .evaluate import eval_backends
from .options import runtime_option
from .parsers import backend_names

__all__ = ["main", "cli"]


def _emit(data: dict, as_json: bool, text: str | None = None) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False) if as_json or text is None else text)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tage")
def cli() -> None:
    """tage: instruction grounding for embodied agents."""


cli.add_command(annotate)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of a Parse over the default vocabulary."""
    from .defaults import default_vocabulary

    _emit(default_vocabulary().json_schema(), as_json=True)


@cli.group()
def data() -> None:
    """Dataset tools."""


@data.command("convert")
@click.option("--raw", "raw_dir", type=click.Path(path_type=Path), default=None,
              help="folder of the tagE CSVs (default: the shipped copy)")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("data/tage"), show_default=True,
              help="where {train,dev,test}.jsonl are written")
def data_convert(raw_dir: Path | None, out_dir: Path) -> None:
    """Convert the tagE CSVs into JSONL of Parse objects, reporting repaired and rejected rows."""
    from decoding.tage_format import SPLITS, convert_dataset

    from .resources import data_path

    conversions = convert_dataset(raw_dir or data_path("tage", "raw"), out_dir)
    for split, conversion in zip(SPLITS, conversions, strict=True):
        click.echo(f"{split}: {len(conversion.parses)} parses -> {out_dir / (split + '.jsonl')}")
        for repair in conversion.repairs:
            click.echo(f"  repaired {repair}")


@data.command("import-map")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True,
              help="scene file to write (YAML, or JSON for .json), atomically")
@click.option("--from", "kind", type=click.Choice(MAP_KINDS), default="auto", show_default=True,
              help="map: objects with a class and a position; ai2thor: AI2-THOR object metadata")
@click.option("--room", default=None, help="the map's one room. ai2thor: the floor plan's (default: from the file "
              "name); map: for a map that declares no rooms, the room of the robot and of every object stating none")
def data_import_map(source: Path, out: Path, kind: str, room: str | None) -> None:
    """Import a robot map (objects with classes and positions, or AI2-THOR metadata) as a validated scene."""
    from grounding.maps import import_map_file

    scene = import_map_file(source, out, kind, room)
    _warn(scene)
    objects, rooms = sum(1 for _ in scene.of_kind("object")), sum(1 for _ in scene.of_kind("room"))
    click.echo(f"{source}: {objects} object{'s' * (objects != 1)}, {rooms} room{'s' * (rooms != 1)} -> {out}")


def _warn(scene, most: int = 20) -> None:
    """A loaded scene's warnings on stderr (the first `most` of them)."""
    for warning in scene.warnings[:most]:
        click.echo(f"tage: warning: {warning}", err=True)
    if len(scene.warnings) > most:
        click.echo(f"tage: warning: ... and {len(scene.warnings) - most} more", err=True)


def _backend_option(names: list[str] | None = None, extra_help: str = ""):
    return click.option("--backend", type=click.Choice(names or backend_names()), default=DEFAULT_BACKEND,
                        show_default=True, help=f"decoding backend of the model, or 'rules' for the rule baseline"
                        f"{extra_help}")


_model_option = click.option("--model", type=click.Path(path_type=Path), default=None,
                             help="extractor checkpoint folder (default: the shipped model)")


@cli.command()
@click.argument("instruction")
@_backend_option()
@_model_option
@runtime_option
@click.option("--json", "as_json", is_flag=True, help="print the Parse as JSON")
def parse(instruction: str, backend: str, model: Path | None, runtime: str, as_json: bool) -> None:
    """Extract the tasks of INSTRUCTION."""
    from .api import Agent

    result = Agent.load(model, backend, runtime=runtime).parse(instruction)
    _emit(result.model_dump(exclude_none=True), as_json, _parse_table(result))


def _parse_table(result) -> str:
    if not result.tasks:
        return "(no task)"
    lines = []
    for i, task in enumerate(result.tasks):
        lines.append(f"{i}  {task.type:<26} trigger: {task.trigger.text!r}")
        lines += [f"     {a.role:<18} {a.span.text!r:<28} -> {a.grounding}" for a in task.arguments]
    return "\n".join(lines)


_skills_option = click.option("--skills", "skills", type=click.Path(path_type=Path), multiple=True,
                              help="YAML skill file or folder added over the default library (repeatable)")


@cli.command()
@click.argument("instruction")
@click.option("--scene", type=click.Path(path_type=Path), required=True,
              help="YAML or JSON scene graph, or a robot map (AI2-THOR metadata, a list of objects)")
@_skills_option
@_backend_option()
@_model_option
@runtime_option
@click.option("--json", "as_json", is_flag=True, help="print the grounded result as JSON")
def ground(instruction: str, scene: Path, skills: tuple[Path, ...], backend: str, model: Path | None, runtime: str,
           as_json: bool) -> None:
    """Ground INSTRUCTION in a scene: the plan, or the questions to ask. Exit code 1 if not fully grounded, or if
    no task was found in it (an empty result: nothing to do is not something done)."""
    from grounding import format_result
    from grounding.maps import load_scene

    from .api import Agent

    graph = load_scene(scene)  # load the scene before the model: a bad file fails fast
    _warn(graph)
    result = Agent.load(model, backend, skills or None, runtime=runtime).ground(instruction, graph)
    _emit(result.model_dump(mode="json", exclude_none=True), as_json, format_result(result))
    if not result.tasks:
        click.echo(f"tage: no task found in {instruction!r}: nothing to do", err=True)
    if not result.complete or not result.tasks:
        sys.exit(1)


def _a_number(value: float) -> float:
    if math.isnan(value):
        raise click.BadParameter("not a number (nan): give a probability from 0 to 1")
    return value


@cli.command()
@click.argument("instructions", nargs=-1)
@click.option("--scene", type=click.Path(path_type=Path), required=True,
              help="YAML or JSON scene graph, or a robot map (AI2-THOR metadata, a list of objects)")
@click.option("--plan", "plan_file", type=click.Path(path_type=Path), default=None,
              help="execute a grounded result saved as JSON (tage ground --json) instead of instructions")
@_skills_option
@_backend_option()
@_model_option
@runtime_option
@click.option("--grasp-failure", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              callback=lambda _, __, value: _a_number(value), help="injected fault: probability that a grasp fails")
@click.option("--missing", multiple=True, help="injected fault: an object absent when the robot arrives (repeatable)")
@click.option("--seed", type=int, default=0, show_default=True, help="seed of the injected faults")
@click.option("--json", "as_json", is_flag=True, help="print the session as JSON")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="write the final scene here (YAML, or JSON for .json)")
@click.option("--plot", "plot_dir", type=click.Path(path_type=Path), default=None,
              help="folder for one PNG per instruction: the scene graph before and after it")
def simulate(instructions: tuple[str, ...], scene: Path, plan_file: Path | None, skills: tuple[Path, ...],
             backend: str, model: Path | None, runtime: str, grasp_failure: float, missing: tuple[str, ...], seed: int,
             as_json: bool, out: Path | None, plot_dir: Path | None) -> None:
    """Ground and execute INSTRUCTIONS one after another on one scene (the state carries over) and check that
    each achieves its goal. Exit code 1 if a step failed or a goal does not hold."""
    from grounding import Faults, export_scene
    from grounding.maps import load_scene

    from .simulation import check_instructions, format_trace, read_result, replay, simulate_session

    graph = load_scene(scene)  # bad input fails before the model loads
    if out is not None and not out.parent.is_dir():   # said now, not after the whole run
        raise click.BadParameter(f"{out}: no folder {out.parent} to write the final scene in", param_hint="--out")
    unknown = [m for m in missing if m not in graph]
    if unknown:
        raise click.BadParameter(f"{', '.join(map(repr, unknown))}: not a node of {scene}", param_hint="--missing")
    faults = Faults(grasp_failure=grasp_failure, missing=frozenset(missing), seed=seed)
    if plan_file is not None:
        if instructions:
            raise click.UsageError("give instructions or --plan, not both")
        from grounding import SimulationError

        from .defaults import load_library

        result = read_result(plan_file)
        try:
            trace = replay(result, graph, load_library(skills or None), faults)
        except SimulationError as err:   # a step the scene or library cannot run: name both files
            raise SimulationError(f"{plan_file} on {scene}: {err}") from err
    else:
        from .api import Agent

        texts = check_instructions(instructions)
        trace = simulate_session(Agent.load(model, backend, skills or None, runtime=runtime), graph, texts, faults)
    _emit(trace.to_dict(), as_json, format_trace(trace))
    if out is not None:
        export_scene(trace.final_scene, out)
    if plot_dir is not None:
        from .scene_plot import plot_trace

        plot_trace(trace, plot_dir)
    if not trace.success:
        sys.exit(1)


@cli.command("eval")
@click.option("--data", "data_file", type=click.Path(path_type=Path), default=None, help="gold JSONL")
@click.option("--predictions", type=click.Path(path_type=Path), default=None,
              help="predicted JSONL (default: parse the data with the model)")
@_backend_option(eval_backends(), ", or a generative-* baseline (a seq2seq model writing JSON)")
@click.option("--model", type=click.Path(path_type=Path), default=None,
              help="checkpoint folder of the backend's model: the extractor's, or the generative baseline's for a "
                   "generative-* backend (default: the shipped one)")
@click.option("--simulate", is_flag=True,
              help="on a grounding case file: plan success (the plan executes and achieves every task's goal)")
@click.option("--report", "--plots", "report_dir", type=click.Path(path_type=Path), default=None,
              help="also write DIR/report.json (P/R/F1 per task type and role, confusion of task types, score "
                   "calibration, latency) and its PNG figures")
@click.option("--n-best", type=click.IntRange(1), default=1, show_default=True,
              help="on a grounding case file: also score the model's N best parses re-ranked by how well they ground")
@click.option("--naming", type=click.Choice(NAMING_MODES), default="both", show_default=True,
              help="on a grounding case file: words name scene nodes by the lexicon, by sentence embeddings, or both")
@runtime_option
@click.option("--compare", nargs=2, type=click.Path(path_type=Path), default=None, metavar="A.json B.json",
              help="print what got better and what worse from report A to report B (nothing is evaluated)")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def eval_command(data_file: Path | None, predictions: Path | None, backend: str, model: Path | None, simulate: bool,
                 report_dir: Path | None, n_best: int, naming: str, runtime: str, compare: tuple[Path, Path] | None,
                 as_json: bool) -> None:
    """Score predictions, or the parses of --backend, against a gold JSONL file.

    On a grounding case file (data/grounding/cases.jsonl) it scores grounding from the gold parses and from
    the parses of --backend.
    """
    from .defaults import default_vocabulary
    from .evaluate import evaluate_backend, evaluate_grounding, evaluate_predictions, is_case_file

    if compare:
        return _compare_reports(*compare, as_json)
    if data_file is None:
        raise click.UsageError("--data is required (or --compare A.json B.json)")
    if report_dir is not None and is_case_file(data_file):
        raise click.UsageError(f"--report needs a file of gold parses, not grounding cases: {data_file}")
    if simulate and not is_case_file(data_file):
        raise click.UsageError(f"--simulate needs a grounding case file (lines with scene and expected): {data_file}")
    if is_case_file(data_file):
        report = evaluate_grounding(data_file, backend, model, simulate, n_best, naming, runtime)
    elif predictions is not None:
        report = evaluate_predictions(data_file, predictions, default_vocabulary())
    else:
        report = evaluate_backend(data_file, backend, model, default_vocabulary(), runtime)
    _emit(report, as_json, _eval_table(report))
    if report_dir is not None:
        from .eval_report import write_report
        from .evaluate import eval_parser

        parser = None if predictions else eval_parser(backend, model, runtime=runtime)
        written = write_report(report, data_file, predictions, parser, report_dir)
        click.echo(f"report: {', '.join(map(str, written))}", err=True)


def _compare_reports(a: Path, b: Path, as_json: bool) -> None:
    from .eval_compare import compare, format_comparison, load_report

    diff = compare(load_report(a), load_report(b))
    _emit(diff, as_json, format_comparison(diff, str(a), str(b)))


@cli.command()
@click.option("--data", "data_file", type=click.Path(path_type=Path), default=None,
              help="JSONL of parses whose instructions are decoded (default: the tagE test split)")
@_model_option
@click.option("--generative-model", type=click.Path(path_type=Path), default=None,
              help="generative baseline checkpoint folder (default: the shipped one)")
@click.option("--limit", type=click.IntRange(1), default=None, help="only the first N instructions")
@click.option("--write", type=click.Path(path_type=Path), default=None, help="also write the report as Markdown")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
@runtime_option
def bench(data_file: Path | None, model: Path | None, generative_model: Path | None, limit: int | None,
          write: Path | None, as_json: bool, runtime: str) -> None:
    """Measure every decoding backend, the generative baselines' too, in the same run: F1, validity, decoder
    calls, latency, speedups."""
    from decoding.files import write_atomic

    from .bench import bench_markdown, format_bench, run_bench
    from .defaults import DEFAULT_TEST
    from .resources import data_path

    report = run_bench(data_file or data_path("tage", DEFAULT_TEST), model, limit, generative=generative_model,
                       runtime=runtime)
    if write is not None:
        write_atomic(write, bench_markdown(report, "tage bench " + " ".join(sys.argv[2:])))
    _emit(report, as_json, format_bench(report))


@cli.command()
@click.option("--train", "train_file", type=click.Path(path_type=Path), default=None,
              help="training JSONL (default: the shipped tagE train split)")
@click.option("--dev", "dev_file", type=click.Path(path_type=Path), default=None,
              help="dev JSONL for model selection (default: the shipped tagE dev split)")
@click.option("--model", "which", type=click.Choice(["extractor", "generative"]), default="extractor",
              show_default=True, help="the extractor, or the generative baseline (a small BART writing JSON)")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="checkpoint folder to write (default: runs/extractor or runs/generative)")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--epochs", type=click.IntRange(1), default=None, help="passes over the training data")
@click.option("--augment", type=click.IntRange(0), default=None,
              help="extractor: fresh augmented phrasings of each training parse per epoch of the mix "
                   "(default: the shipped mix)")
@click.option("--finetune-epochs", type=click.IntRange(0), default=None,
              help="extractor, --two-stages: epochs of the fine-tuning on the augmented mix (stage 2)")
@click.option("--init", type=click.Path(path_type=Path, exists=True, file_okay=False), default=None,
              help="extractor: start stage 2 from this checkpoint folder instead of training stage 1")
@click.option("--mix-from-start/--two-stages", default=None,
              help="extractor: one stage on the augmented mix (the default, as shipped), or tagE alone then the mix")
@click.option("--ema", "ema_decay", type=click.FloatRange(0, 1, max_open=True), default=None,
              help="extractor: select and save an exponential moving average of the weights with this decay per "
                   "step (e.g. 0.999; default: off, as the shipped model was trained)")
@click.option("--other-actions", type=click.FloatRange(0, 1), default=None,
              help="extractor: share of the augmented phrasings neither chained nor beside a forbidden action "
                   "(about 3/4 of them) that get an action outside the 16 task types beside them, a clause that adds "
                   "no task ('wipe the table , then ...'; e.g. 0.2; default: 0, as shipped)")
def train(train_file: Path | None, dev_file: Path | None, which: str, out: Path | None, seed: int,
          epochs: int | None, augment: int | None, finetune_epochs: int | None, init: Path | None,
          mix_from_start: bool | None, ema_decay: float | None, other_actions: float | None) -> None:
    """Train the extractor or the generative baseline (CPU; progress per epoch) and save the best dev checkpoint."""
    from .training import train_extractor, train_generative_baseline

    out = out or Path("runs") / which
    if which == "generative":
        summary = train_generative_baseline(train_file, dev_file, out, seed, epochs, log=click.echo)
        click.echo(f"best epoch {summary.best_epoch}: dev loss {summary.dev_loss:.4f}; saved to {out}")
        return
    best = train_extractor(train_file, dev_file, out, seed, epochs, augment, init, finetune_epochs, mix_from_start,
                           ema_decay, other_actions, log=click.echo)
    click.echo(f"best epoch {best['epoch']}: dev arg F1 {best['arg_f1']:.4f}; saved to {out}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on (loopback: this machine)")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1), default=1, show_default=True,
              help="worker processes, each with its own model")
@click.option("--reuse-port", is_flag=True,
              help="with --workers N (Linux): a socket per worker, so that the kernel spreads connections over them; "
                   "the connections waiting for a worker that dies are reset (docs/service.md)")
@click.option("--scenes", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="folder of YAML / JSON scenes served by id (default: the shipped demo scenes)")
@click.option("--token", default=None, help="require `Authorization: Bearer TOKEN` on every API request")
@click.option("--limit", "limits", multiple=True, metavar="NAME=VALUE",
              help="a request limit, e.g. max_body_bytes=100000 (repeatable; docs/service.md lists them)")
@_skills_option
@_backend_option()
@_model_option
@runtime_option
def serve(host: str, port: int, workers: int, reuse_port: bool, scenes: Path | None, token: str | None,
          limits: tuple[str, ...], skills: tuple[Path, ...], backend: str, model: Path | None, runtime: str) -> None:
    """Serve the HTTP API and the playground page (http://HOST:PORT/) until interrupted."""
    from .service import ServiceConfig
    from .service import serve as run_service

    run_service(ServiceConfig(host=host, port=port, workers=workers, reuse_port=reuse_port, scenes=scenes,
                              token=token, skills=skills, backend=backend, model=model, runtime=runtime,
                              limits=_limits(limits)))


def _limits(items: tuple[str, ...]):
    from pydantic import ValidationError

    from .service import Limits

    try:
        return Limits(**dict(_name_value(item, "--limit") for item in items))
    except ValidationError as err:
        from decoding.files import describe_validation

        raise click.BadParameter(describe_validation(err), param_hint="--limit") from err


def _name_value(item: str, option: str) -> tuple[str, str]:
    name, sep, value = item.partition("=")
    if not sep:
        raise click.UsageError(f"{option} {item!r}: expected NAME=VALUE")
    return name.strip(), value.strip()


def _eval_table(report: dict, indent: int = 0) -> str:
    """One figure a line; a nested report (grounding: per source, per role, per error code) indented under its
    name; None prints as n/a (nothing to count)."""
    rows = []
    for k, v in report.items():
        if k == "invalid":
            continue
        if isinstance(v, dict) and indent and not any(isinstance(x, dict) for x in v.values()):
            rows.append(f"{' ' * indent}{k:>{max(18 - indent, 1)}}  "
                        + "  ".join(f"{name} {_figure(x)}" for name, x in v.items()))
        elif isinstance(v, dict):
            rows += [f"{' ' * indent}{k}", _eval_table(v, indent + 2)]
        else:
            rows.append(f"{' ' * indent}{k:>{max(18 - indent, 1)}}  {_figure(v)}")
    rows += [f"invalid: {line}" for line in report.get("invalid", [])]
    return "\n".join(rows)


def _figure(value: object) -> str:
    return "n/a" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; bad input (a `TageError`, or an `OSError` on a path the user gave) ends with its message on
    stderr and exit code 2. Anything else is a bug and keeps its traceback.

    The one environment variable the program (not the library) sets, unless already set: TOKENIZERS_PARALLELISM
    =false, as the service and the distributed annotation start worker processes after the tokenizer ran."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        cli.main(args=argv, prog_name="tage", standalone_mode=False)
    except click.exceptions.Exit as err:
        sys.exit(err.exit_code)
    except click.ClickException as err:
        err.show()
        sys.exit(2)
    except click.Abort:
        click.echo("tage: aborted", err=True)
        sys.exit(130)
    except TageError as err:
        click.echo(f"tage: error: {err}", err=True)
        sys.exit(2)
    except OSError as err:  # a path the user gave that cannot be read or written (a folder under a file, no room)
        click.echo(f"tage: error: {_os_error(err)}", err=True)
        sys.exit(2)


def _os_error(err: OSError) -> str:
    where = " -> ".join(str(f) for f in (err.filename, err.filename2) if f is not None)
    return f"{where}: {err.strerror or err}" if where else str(err.strerror or err)
