"""`SceneStore`: the scenes a server serves by id (files of `--scenes DIR`), and inline scenes checked for size."""

from __future__ import annotations

import json
from pathlib import Path

from grounding import SceneGraph

from ..resources import data_path
from .errors import RequestRefused, ServiceError
from .schemas import SceneInfo, SceneList

__all__ = ["SceneStore", "SCENE_SUFFIXES"]

SCENE_SUFFIXES = (".yaml", ".yml", ".json")
_SECTIONS = ("rooms", "objects", "people", "relations")


class SceneStore:
    """Scenes by id (the file name without its suffix), loaded and validated once, when the server starts.

    Examples
    --------
    >>> store = SceneStore.load(None)          # the shipped demo scenes
    >>> "kitchen" in [s.id for s in store.listing().scenes]
    True
    """

    def __init__(self, scenes: dict[str, SceneGraph]) -> None:
        self.scenes = scenes

    @classmethod
    def load(cls, folder: Path | None) -> SceneStore:
        """Every scene file directly in `folder` (default: the shipped demo scenes), hidden files aside; a bad file,
        or two files of one id (`tiny.yaml`, `tiny.json`), stops the server."""
        folder = Path(folder) if folder is not None else data_path("scenes")
        if not folder.is_dir():
            raise FileNotFoundError(f"--scenes {folder}: no such folder")
        files = sorted(p for p in folder.iterdir()
                       if p.suffix in SCENE_SUFFIXES and p.is_file() and not p.name.startswith("."))
        twins = sorted({p.stem for p in files if sum(q.stem == p.stem for q in files) > 1})
        if twins:
            named = "; ".join(", ".join(p.name for p in files if p.stem == stem) for stem in twins)
            raise ServiceError(f"--scenes {folder}: two files give one scene id ({named}): keep one of each")
        return cls({path.stem: SceneGraph.load(path) for path in files})

    def get(self, scene_id: str) -> SceneGraph:
        """The scene called `scene_id`; 404 if the server has none of that name."""
        if scene_id not in self.scenes:
            known = ", ".join(self.scenes) or "none"
            raise RequestRefused(404, "unknown_scene", f"no scene {scene_id!r} on this server (known: {known})")
        return self.scenes[scene_id]

    def source(self, scene_id: str) -> bytes:
        """The scene called `scene_id` as JSON in the scene format."""
        return json.dumps(self.get(scene_id).to_dict()).encode()

    def listing(self) -> SceneList:
        """Id, name and size of every scene."""
        return SceneList(scenes=[SceneInfo(id=i, name=s.name or i, nodes=len(s)) for i, s in self.scenes.items()])

    @staticmethod
    def build(data: dict, max_items: int) -> SceneGraph:
        """An inline scene of a request, refused (422) above `max_items` rooms, objects, people and relations."""
        items = sum(len(data[k]) for k in _SECTIONS if isinstance(data.get(k), list))
        if items > max_items:
            raise RequestRefused(422, "scene_too_large", f"the scene has {items} rooms, objects, people and "
                                 f"relations, over the limit of {max_items}")
        return SceneGraph.from_dict(data, source="request scene")
