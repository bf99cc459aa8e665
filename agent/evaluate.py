"""Scoring predictions against a gold JSONL file: the metric of `decoding.metrics` plus the valid-output rate."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from decoding.errors import DataError, DecodingError
from decoding.files import describe_validation, read_jsonl, read_parses
from decoding.generative.names import GENERATIVE_BACKENDS
from decoding.metrics import score
from decoding.parse import Parse
from decoding.vocabulary import Vocabulary

from .defaults import default_generative_dir, load_library, open_vocabulary
from .parsers import backend_names

__all__ = ["evaluate_predictions", "evaluate_parses", "evaluate_backend", "evaluate_grounding", "eval_backends",
           "eval_parser"]


def eval_backends() -> list[str]:
    """The backends `tage eval` scores: the extractor's decoders, the rule baseline, the generative baselines."""
    return [*backend_names(), *GENERATIVE_BACKENDS]


def eval_parser(backend: str, model: str | Path | None, library=None, runtime: str = "auto"):
    """The extractor of `backend`: a generative baseline's decoder over its checkpoint (`model`, default the
    shipped one), else the trained extractor (its encoder run by `runtime`) or the rule baseline
    (`agent.parsers.make_parser`)."""
    if backend not in eval_backends():
        raise DecodingError(f"unknown backend {backend!r}; known: {', '.join(eval_backends())}")
    if backend not in GENERATIVE_BACKENDS:
        from .parsers import make_parser

        return make_parser(backend, model, library, runtime)
    from decoding.generative import get_decoder, load_generative

    return get_decoder(backend, load_generative(model or default_generative_dir()))


def evaluate_parses(gold: list[Parse], predicted: list[Parse], valid: int, backend: str) -> dict:
    """The eval report of formats.md section 5 for aligned gold and predicted parses."""
    report = score(gold, predicted).as_dict()
    report["valid_rate"] = valid / len(gold) if gold else 1.0
    report["backend"] = backend
    return report


def evaluate_predictions(data: str | Path, predictions: str | Path, vocabulary: Vocabulary) -> dict:
    """Score a JSONL file of predicted parses against the gold parses of `data`, line by line.

    A prediction that is JSON but not a valid `Parse` of `vocabulary` counts as invalid and scores as an
    empty parse; its line is listed under ``invalid``. Files that are not JSONL, or whose instructions do not
    line up with the gold ones, raise `DataError`.
    """
    gold = read_parses(data)
    rows = read_jsonl(predictions)
    if len(rows) != len(gold):
        raise DataError(f"{predictions}: {len(rows)} predictions for the {len(gold)} instructions of {data}")
    predicted, invalid = [], []
    for g, (line, obj) in zip(gold, rows, strict=True):
        parse, problem = _validate(obj, vocabulary)
        if parse is not None and parse.instruction != g.instruction:
            raise DataError(f"{predictions}:{line}: instruction {parse.instruction!r} is not "
                            f"{g.instruction!r} of {data}")
        if problem:
            invalid.append(f"{predictions}:{line}: {problem}")
        predicted.append(parse if parse is not None and not problem else g.model_copy(update={"tasks": ()}))
    report = evaluate_parses(gold, predicted, len(gold) - len(invalid), "predictions")
    report["invalid"] = invalid
    return report


def _validate(obj: object, vocabulary: Vocabulary) -> tuple[Parse | None, str]:
    try:
        parse = Parse.model_validate(obj)
    except ValidationError as err:
        return None, f"not a valid Parse: {describe_validation(err)}"
    problems = vocabulary.problems(parse)
    return parse, "; ".join(problems)


def evaluate_backend(data: str | Path, backend: str, model: str | Path | None, vocabulary: Vocabulary,
                     runtime: str = "auto") -> dict:
    """Parse every instruction of `data` with `backend` and score the parses (with timing and decoder calls).

    `model` is the checkpoint of the backend's model: the extractor's, or the generative baseline's for one of
    `GENERATIVE_BACKENDS` (default: the shipped one); `runtime` runs the extractor's encoder.
    """
    import time

    from decoding.parser import Words

    gold = read_parses(data)
    parser = eval_parser(backend, model, runtime=runtime)
    started = time.perf_counter()
    predicted = parser.parse_many([Words.of_parse(g) for g in gold])
    seconds = time.perf_counter() - started
    valid = sum(not vocabulary.problems(p) for p in predicted)
    report = evaluate_parses(gold, predicted, valid, backend)
    report["library_valid_rate"] = _library_valid_rate(predicted, parser)
    report["instructions_per_s"] = len(gold) / seconds if seconds else 0.0
    return report


def _library_valid_rate(predicted: list[Parse], parser) -> float:
    """The share of outputs the skill library's output grammar allows (task types, roles, required roles)."""
    from .spec import output_spec

    config = getattr(getattr(parser, "model", None), "config", None)
    bounds = (config.max_tasks, config.max_arguments) if config else (12, 8)
    spec = output_spec(load_library(), *bounds)
    return sum(not spec.problems(p) for p in predicted) / len(predicted) if predicted else 1.0


def is_case_file(path: str | Path) -> bool:
    """Whether `path` holds grounding cases (lines with `scene` and `expected`) rather than parses."""
    rows = read_jsonl(path)
    return bool(rows) and isinstance(rows[0][1], dict) and {"scene", "expected"} <= set(rows[0][1])


def evaluate_grounding(cases: str | Path, backend: str, model: str | Path | None, simulate: bool = False,
                       n_best: int = 1, naming: str = "lexicon", runtime: str = "auto") -> dict:
    """Grounding scores of a case file from its gold parses and from the parses of `backend`; with `simulate`,
    plan success instead (`grounding.evaluate.simulate_cases`: the plan executes and achieves every goal).
    With `n_best` > 1 the model's grounding is also scored from its `n_best` best parses re-ranked by how well
    they ground (`from_model_parses_reranked`). `naming` is how words name scene nodes: the lexicon alone,
    sentence embeddings alone, or both (`grounding.vocabulary.MODES`)."""
    from functools import partial

    from grounding.evaluate import evaluate_cases, simulate_cases

    library = load_library()
    vocabulary = open_vocabulary(naming, runtime)
    score = partial(simulate_cases if simulate else evaluate_cases, vocabulary=vocabulary)
    report = {"from_gold_parses": _summary(score(cases, library)) | {"naming": naming}}
    parser = eval_parser(backend, model, library, runtime)
    report["from_model_parses"] = {**_summary(score(cases, library, parser=parser.parse)), "backend": backend}
    if n_best > 1 and not hasattr(parser, "parse_n"):
        raise DataError(f"--n-best needs the extractor's or the rules' backends, not {backend!r}")
    if n_best > 1 and not simulate:
        reranked = evaluate_cases(cases, library, parser=lambda text: parser.parse_n(text, n_best),
                                  vocabulary=vocabulary)
        report["from_model_parses_reranked"] = {**_summary(reranked), "backend": backend, "n_best": n_best}
    ask_below = getattr(parser, "ask_below", None)  # the generative baselines give no scores
    if ask_below is not None and not simulate:
        asking = evaluate_cases(cases, library, parser=parser.parse, ask_below=ask_below, vocabulary=vocabulary)
        report["from_model_parses_asking"] = {**_summary(asking), "backend": backend, "ask_below": ask_below}
    return report


def _summary(scores: dict) -> dict:
    return {k: v for k, v in scores.items() if k != "failures"} | {"failures": len(scores.get("failures", []))}
