"""The skill library: typed skills loaded from YAML files, validated, merged user-over-default by name."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal as TypeLiteral

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from .errors import SkillLibraryError
from .predicates import Literal, parse_literal
from .sources import at, line_of, load_data, located

__all__ = ["Parameter", "Step", "Skill", "SkillLibrary", "ARG_REFERENCE", "skill_files"]

_NAME = r"^[a-z][a-z0-9_]*$"
# A step argument: "$param", "$param.location" (the furniture it stands on or in), "$param.room", or a node id.
ARG_REFERENCE = re.compile(r"^\$([a-z][a-z0-9_]*)(?:\.(location|room))?$")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Parameter(_Model):
    """One slot of a skill, filled by the arguments of the listed roles."""

    name: str = Field(pattern=_NAME)
    description: str = ""
    roles: tuple[str, ...] = Field(min_length=1)              # argument roles that fill this parameter
    kind: TypeLiteral["object", "location", "person", "value"] = "object"
    required: bool = False                                     # a plan needs it grounded to exactly one node
    requires: tuple[str, ...] = ()                             # affordances the grounded node must have
    default: str | None = None                                 # node id used when no argument fills it ("user")


class Step(_Model):
    """One step of a composite skill: a skill, its arguments, and an optional static condition."""

    skill: str
    args: dict[str, str] = {}
    when: str | None = None                                    # e.g. "person(goal)": the step applies only then


class Skill(_Model):
    """A robot skill: primitive (preconditions, effects) or composite (steps)."""

    name: str = Field(pattern=_NAME)
    description: str = ""
    task_types: tuple[str, ...] = ()                           # parse task types grounded to this skill
    accepts: tuple[str, ...] = ()                              # other roles the extractor may give its tasks:
    #                                                            qualifiers (Area, coGoal ...) read or reported
    cues: tuple[str, ...] = ()                                 # trigger / value words that choose it over the
    #                                                            other skills of its task type ("close", "off")
    parameters: tuple[Parameter, ...] = ()
    preconditions: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()
    auto: bool = False                                         # the planner may insert it to make a precondition hold
    achieves: tuple[str, ...] = ()                             # what holds once its task is done (the simulator's
    #                                                            goal check); literals over its parameters
    _pre: tuple[Literal, ...] = PrivateAttr(default=())
    _eff: tuple[Literal, ...] = PrivateAttr(default=())
    _when: tuple[Literal | None, ...] = PrivateAttr(default=())
    _goals: tuple[Literal, ...] = PrivateAttr(default=())
    _source: str = PrivateAttr(default="<memory>")

    @property
    def composite(self) -> bool:
        """True when the skill expands into steps."""
        return bool(self.steps)

    @property
    def pre(self) -> tuple[Literal, ...]:
        """The parsed preconditions."""
        return self._pre

    @property
    def eff(self) -> tuple[Literal, ...]:
        """The parsed effects."""
        return self._eff

    @property
    def goals(self) -> tuple[Literal, ...]:
        """The parsed `achieves` literals."""
        return self._goals

    @property
    def step_conditions(self) -> tuple[Literal | None, ...]:
        """The parsed `when` of each step (None: always)."""
        return self._when

    @property
    def source(self) -> str:
        """``file:line`` where the skill was defined."""
        return self._source

    def parameter(self, name: str) -> Parameter | None:
        """The parameter called `name`, if any."""
        return next((p for p in self.parameters if p.name == name), None)

    def parameter_for(self, role: str) -> Parameter | None:
        """The parameter that the arguments of `role` fill, if any."""
        return next((p for p in self.parameters if role in p.roles), None)


class SkillLibrary:
    """Skills by name, and the skills that ground each task type.

    Examples
    --------
    >>> lib = SkillLibrary.from_dict({"skills": [{"name": "navigate", "task_types": ["Motion"],
    ...     "parameters": [{"name": "destination", "roles": ["Goal"], "kind": "location", "required": True}],
    ...     "effects": ["near(destination)"]}]})
    >>> lib.for_task("Motion", ["go"]).name
    'navigate'
    """

    def __init__(self, skills: Iterable[Skill], replaced: dict[str, Skill] | None = None) -> None:
        self.skills: dict[str, Skill] = {s.name: s for s in skills}
        self.replaced = dict(replaced or {})   # name -> the skill of an earlier path that a later one overrode
        self.by_task_type: dict[str, list[Skill]] = {}
        for skill in self.skills.values():
            for task_type in skill.task_types:
                self.by_task_type.setdefault(task_type, []).append(skill)
        _check_library(self)

    @classmethod
    def load(cls, paths: str | Path | Sequence[str | Path]) -> SkillLibrary:
        """Load YAML files or directories of them; a later path's skill overrides an earlier one of the same name."""
        paths = [paths] if isinstance(paths, str | Path) else list(paths)
        merged: dict[str, Skill] = {}
        replaced: dict[str, Skill] = {}
        for path in paths:
            for name, skill in _load_source(Path(path)).items():
                if name in merged:
                    replaced.setdefault(name, merged[name])
                merged[name] = skill
        return cls(merged.values(), replaced)

    @classmethod
    def from_dict(cls, data: object, source: str = "<memory>") -> SkillLibrary:
        """Build a library from the decoded contents of one file."""
        return cls(_read_file_data(data, source).values())

    def check_vocabulary(self, task_types: Iterable[str], roles: Iterable[str]) -> None:
        """Refuse a skill whose task type or parameter role the extractor cannot produce (`task_types`, `roles`:
        its label set), naming the skill's file, line and field."""
        task_types, roles = set(task_types), set(roles)
        for skill in self.skills.values():
            for i, task_type in enumerate(skill.task_types):
                if task_type not in task_types:
                    _fail(skill, f"task_types[{i}]", f"unknown task type {task_type!r}: the extractor knows "
                                                     f"{', '.join(sorted(task_types))}")
            used = [(f"parameters[{i}].roles", r) for i, p in enumerate(skill.parameters) for r in p.roles]
            for field, role in used + [(f"accepts[{i}]", r) for i, r in enumerate(skill.accepts)]:
                if role not in roles:
                    _fail(skill, field, f"unknown role {role!r}: the extractor knows {', '.join(sorted(roles))}")

    def for_task(self, task_type: str, words: Iterable[str] = ()) -> Skill | None:
        """The skill grounding `task_type`: the one whose cue is among `words`, else the one without cues."""
        candidates = self.by_task_type.get(task_type, [])
        lowered = {w.lower() for w in words}
        cued = [s for s in candidates if lowered & set(s.cues)]
        return (cued or [s for s in candidates if not s.cues] or [None])[0]

    def roles_for(self, task_type: str) -> tuple[str, ...]:
        """Every role a task of `task_type` may carry: its skills' parameter roles and accepted roles."""
        skills = self.by_task_type.get(task_type, [])
        return tuple(sorted({r for s in skills for p in s.parameters for r in p.roles} |
                            {r for s in skills for r in s.accepts}))

    def named_roles(self, task_type: str) -> tuple[tuple[str, ...], ...]:
        """Role groups every task of `task_type` must name: the roles of each required object parameter
        without a default, in every skill of the type (a place or person can come from context; the thing
        acted on cannot)."""
        groups = [{tuple(sorted(p.roles)) for p in s.parameters if p.required and p.kind == "object"
                   and p.default is None} for s in self.by_task_type.get(task_type, [])]
        return tuple(sorted(set.intersection(*groups))) if groups else ()

    @property
    def task_types(self) -> list[str]:
        """Every task type some skill grounds."""
        return sorted(self.by_task_type)

    def __getitem__(self, name: str) -> Skill:
        return self.skills[name]

    def __contains__(self, name: object) -> bool:
        return name in self.skills

    def __len__(self) -> int:
        return len(self.skills)


def skill_files(path: Path) -> list[Path]:
    """The skill files a path stands for: itself, or the .yaml / .yml files of a folder (not its subfolders)."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
        if not files:
            raise SkillLibraryError(f"{path}: no .yaml skill files in this directory")
        return files
    if path.is_file():
        return [path]
    raise SkillLibraryError(f"{path}: no such skill file or directory")


def _load_source(path: Path) -> dict[str, Skill]:
    skills: dict[str, Skill] = {}
    for file in skill_files(path):
        for name, skill in _read_file_data(load_data(file, SkillLibraryError), str(file)).items():
            if name in skills:
                raise SkillLibraryError(f"{skill.source}: skill {name!r}: duplicate name "
                                        f"(also at {skills[name].source})")
            skills[name] = skill
    return skills


def _read_file_data(data: object, source: str) -> dict[str, Skill]:
    if not isinstance(data, dict) or set(data) != {"skills"} or not isinstance(data["skills"], list):
        extra = sorted(set(data) - {"skills"}) if isinstance(data, dict) else []
        detail = f"unknown top-level key(s) {', '.join(map(repr, extra))}" if extra else "expected 'skills: [...]'"
        raise SkillLibraryError(f"{located(source, data)}: {detail}")
    skills: dict[str, Skill] = {}
    for index, raw in enumerate(data["skills"]):
        skill = _read_skill(raw, source, line_of(data, ["skills", index]), data["skills"], index)
        if skill.name in skills:
            raise SkillLibraryError(f"{skill.source}: skill {skill.name!r}: duplicate name "
                                    f"(first defined at {skills[skill.name].source})")
        skills[skill.name] = skill
    return skills


def _read_skill(raw: object, source: str, line: int | None, container: list, index: int) -> Skill:
    name = raw.get("name", f"#{index + 1}") if isinstance(raw, dict) else f"#{index + 1}"
    try:
        skill = Skill.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "skill"
        where = line_of(container, [index, *first["loc"]]) or line
        raise SkillLibraryError(f"{at(source, where)}: skill {name!r}: field {field}: {first['msg']}") from err
    skill._source = at(source, line)
    _parse_literals(skill, raw, source)
    return skill


def _parse_literals(skill: Skill, raw: dict, source: str) -> None:
    params = {p.name for p in skill.parameters}
    try_ = _literal_reader(skill, raw, source, params)
    skill._pre = tuple(try_("preconditions", i, text, False) for i, text in enumerate(skill.preconditions))
    skill._eff = tuple(try_("effects", i, text, True) for i, text in enumerate(skill.effects))
    skill._when = tuple(try_("steps", i, s.when, False) if s.when else None for i, s in enumerate(skill.steps))
    skill._goals = tuple(try_("achieves", i, text, False) for i, text in enumerate(skill.achieves))


def _literal_reader(skill: Skill, raw: dict, source: str, params: set[str]):
    def read(field: str, index: int, text: str, effect: bool) -> Literal:
        try:
            return parse_literal(text, params, effect=effect)
        except ValueError as err:
            loc = [field, index, "when"] if field == "steps" else [field, index]
            line = line_of(raw, loc)
            where = at(source, line) if line is not None else skill.source
            label = f"{field}[{index}].when" if field == "steps" else f"{field}[{index}]"
            raise SkillLibraryError(f"{where}: skill {skill.name!r}: field {label}: {err}") from err
    return read


def _check_library(library: SkillLibrary) -> None:
    for skill in library.skills.values():
        _check_parameters(skill)
        _check_shape(skill)
        for index, step in enumerate(skill.steps):
            _check_step(library, skill, index, step)
    _check_cycles(library)
    _check_cues(library)


def _fail(skill: Skill, field: str, problem: str) -> None:
    raise SkillLibraryError(f"{skill.source}: skill {skill.name!r}: field {field}: {problem}")


def _check_parameters(skill: Skill) -> None:
    seen_names, seen_roles = set(), {}
    for i, param in enumerate(skill.parameters):
        if param.name in seen_names:
            _fail(skill, f"parameters[{i}].name", f"duplicate parameter {param.name!r}")
        seen_names.add(param.name)
        for role in param.roles:
            if role in seen_roles:
                _fail(skill, f"parameters[{i}].roles", f"role {role!r} already fills {seen_roles[role]!r}")
            seen_roles[role] = param.name


def _check_shape(skill: Skill) -> None:
    if skill.composite and (skill.effects or skill.preconditions):
        _fail(skill, "effects", "a composite skill's preconditions and effects are those of its steps")
    if skill.composite and skill.auto:
        _fail(skill, "auto", "only a primitive skill can be inserted by the planner")


def _check_step(library: SkillLibrary, skill: Skill, index: int, step: Step) -> None:
    field = f"steps[{index}]"
    if step.skill not in library:
        _fail(skill, f"{field}.skill", f"names unknown skill {step.skill!r}")
    target = library[step.skill]
    for arg, value in step.args.items():
        if target.parameter(arg) is None and target.name in library.replaced:
            # the composite is fine as shipped: the override broke it, so the message blames the override
            _fail(target, "parameters", f"overrides the skill of {library.replaced[target.name].source} without "
                                        f"its parameter {arg!r}, which skill {skill.name!r} ({skill.source}) "
                                        f"passes in {field}; keep the parameter or override {skill.name!r} too")
        if target.parameter(arg) is None:
            _fail(skill, f"{field}.args.{arg}", f"skill {target.name!r} has no parameter {arg!r}")
        ref = ARG_REFERENCE.match(value)
        if value.startswith("$") and (not ref or skill.parameter(ref.group(1)) is None):
            _fail(skill, f"{field}.args.{arg}", f"{value!r} is not '$<parameter>[.location|.room]' of this skill")


def _check_cycles(library: SkillLibrary) -> None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = path[path.index(name):] + [name]
            _fail(library[name], "steps", f"composite cycle {' -> '.join(cycle)}")
        state[name] = 1
        for step in library[name].steps:
            visit(step.skill, path + [name])
        state[name] = 2

    for name in library.skills:
        visit(name, [])


def _check_cues(library: SkillLibrary) -> None:
    for task_type, skills in library.by_task_type.items():
        plain = [s.name for s in skills if not s.cues]
        if len(plain) > 1:
            _fail(library[plain[1]], "cues", f"task type {task_type!r} is grounded by {plain[0]!r} and "
                                             f"{plain[1]!r}; give all but one of them cues")
