"""Annotation round trip: pre-annotate raw instructions, hand them to Label Studio, read the corrections back,
validate them and convert them to tagE's CSV form or BIO columns."""

from .convert import read_tage_csv, to_bio, to_tage_csv
from .pre import PreResult, pre_annotate
from .problems import AnnotationError, Problem, Problems
from .sources import read_instructions, read_parse_lines
from .studio_config import labeling_config
from .studio_export import to_studio_task, to_studio_tasks
from .studio_import import StudioImport, from_studio_tasks, read_studio_export
from .validate import Validation, validate_file, validate_parse

__all__ = ["AnnotationError", "Problem", "Problems", "PreResult", "pre_annotate", "read_instructions",
           "read_parse_lines", "labeling_config", "to_studio_task", "to_studio_tasks", "StudioImport",
           "from_studio_tasks", "read_studio_export", "Validation", "validate_file", "validate_parse",
           "to_tage_csv", "read_tage_csv", "to_bio"]
