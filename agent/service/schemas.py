"""The bodies of the HTTP API that are not the library's own models (those are `Parse` and `GroundingResult`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from grounding import GroundingResult
from grounding.skills import Skill

__all__ = ["ParseRequest", "GroundRequest", "GroundManyRequest", "AnswerRequest", "ErrorDetail", "ErrorBody",
           "SceneInfo", "SceneList", "SkillList", "Status"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ParseRequest(_Body):
    instruction: str = Field(description="the user's words", examples=["pick up the box from the couch"])


class _InScene(_Body):
    """A scene given inline (formats.md section 3) or by the id of one of the server's scenes."""

    scene: dict[str, Any] | None = Field(default=None, description="a scene graph (formats.md section 3)")
    scene_id: str | None = Field(default=None, description="the id of a scene of GET /v1/scenes",
                                 examples=["kitchen"])

    @model_validator(mode="after")
    def _one_scene(self) -> _InScene:
        if (self.scene is None) == (self.scene_id is None):
            raise ValueError("give exactly one of `scene` (a scene graph) and `scene_id`")
        return self


class GroundRequest(_InScene):
    instruction: str = Field(examples=["bring me the red mug"])
    previous: GroundingResult | None = Field(
        default=None, description="the result of the previous instruction of a dialogue, as this service returned "
        "it (answered, if it asked): a pronoun of this one ('now put it in the sink') refers to what it named")


class GroundManyRequest(_InScene):
    instructions: list[str] = Field(examples=[["take the red mug", "open the fridge"]])


class AnswerRequest(_InScene):
    """The answer to a result's first pending question, in the scene the result was grounded in."""

    result: GroundingResult
    reply: str | None = Field(default=None, description="the user's words", examples=["the red one"])
    node: str | None = Field(default=None, description="or the id of the chosen candidate", examples=["mug_1"])

    @model_validator(mode="after")
    def _one_answer(self) -> AnswerRequest:
        if (self.reply is None) == (self.node is None):
            raise ValueError("give exactly one of `reply` (words) and `node` (a candidate's id)")
        return self


class ErrorDetail(BaseModel):
    code: str = Field(description="a stable identifier, e.g. invalid_request, invalid_scene, unknown_scene")
    message: str = Field(description="what was wrong, naming the input")


class ErrorBody(BaseModel):
    """Every 4xx and 5xx response."""

    error: ErrorDetail


class SceneInfo(BaseModel):
    id: str
    name: str
    nodes: int


class SceneList(BaseModel):
    scenes: list[SceneInfo]


class SkillList(BaseModel):
    skills: list[Skill]


class Status(BaseModel):
    status: str
