"""Generated scenes for benchmarks and tests: many rooms, furniture, and small objects on and in it."""

from __future__ import annotations

import random

__all__ = ["generate_scene", "ROOMS", "FURNITURE", "ITEMS"]

ROOMS = ("kitchen", "living_room", "bedroom", "bathroom", "hallway", "dining_room", "laundry_room", "balcony",
         "office", "guest_room")
# furniture class -> (affordances, contents are `in` it)
FURNITURE = {"table": (["receptacle"], False), "counter": (["receptacle"], False), "shelf": (["receptacle"], False),
             "cabinet": (["openable", "receptacle"], True), "drawer": (["openable", "receptacle"], True),
             "fridge": (["openable", "receptacle"], True), "sofa": (["receptacle"], False),
             "bed": (["receptacle"], False), "sink": (["receptacle"], True), "chair": (["movable"], False),
             "lamp": (["toggleable"], False), "tv": (["toggleable"], False)}
ITEMS = {"cup": "mug", "book": "book", "plate": "plate", "apple": "apple", "bottle": "bottle", "knife": "knife",
         "pen": "pen", "key": "keys", "remote_control": "remote", "cellphone": "phone", "towel": "towel",
         "bowl": "bowl", "glass": "glass", "pillow": "pillow", "vase": "vase", "box": "box", "spoon": "spoon",
         "laptop": "laptop", "tomato": "tomato", "candle": "candle"}
COLORS = ("red", "blue", "green", "yellow", "white", "black", "gray", "brown")
SIZES = ("small", "large")
MATERIALS = ("wood", "metal", "plastic", "glass", "ceramic")
_FURNITURE_SHARE = 0.25  # a quarter of the objects are furniture, the rest stand on or in it


def generate_scene(n_objects: int = 500, n_rooms: int = 10, seed: int = 0) -> dict:
    """A scene dict (formats.md section 3) with `n_objects` objects spread over `n_rooms` rooms.

    Examples
    --------
    >>> scene = generate_scene(50, 2)
    >>> len(scene["objects"]), len(scene["rooms"])
    (50, 2)
    """
    rng = random.Random(seed)
    rooms = [ROOMS[i % len(ROOMS)] + ("" if i < len(ROOMS) else f"_{i // len(ROOMS)}") for i in range(n_rooms)]
    n_furniture = max(n_rooms, int(n_objects * _FURNITURE_SHARE))
    objects, relations, furniture = [], [], []
    for i in range(n_furniture):
        room = rooms[i % n_rooms]
        cls = rng.choice(list(FURNITURE))
        x, y = rooms.index(room) * 20 + rng.uniform(0, 10), rng.uniform(0, 10)
        obj = {"id": f"{cls}_{i}", "class": cls, "room": room, "position": [round(x, 2), round(y, 2), 0.0],
               "attributes": {"color": rng.choice(COLORS)}, "affordances": FURNITURE[cls][0]}
        if "openable" in obj["affordances"]:
            obj["states"] = {"open": False}
        objects.append(obj)
        furniture.append(obj)
    for i in range(n_objects - n_furniture):
        holder = rng.choice([f for f in furniture if "receptacle" in f["affordances"]])
        cls = rng.choice(list(ITEMS))
        x, y, _ = holder["position"]
        objects.append({"id": f"{ITEMS[cls]}_{i}", "class": cls, "name": ITEMS[cls], "room": holder["room"],
                        "position": [round(x + rng.uniform(-0.4, 0.4), 2), round(y + rng.uniform(-0.4, 0.4), 2), 0.9],
                        "attributes": {"color": rng.choice(COLORS), "size": rng.choice(SIZES),
                                       "material": rng.choice(MATERIALS)},
                        "affordances": ["pickable"]})
        relations.append({"subject": objects[-1]["id"], "predicate": "in" if FURNITURE[holder["class"]][1] else "on",
                          "object": holder["id"]})
    return {"name": f"generated_{n_objects}", "agent": {"room": rooms[0], "position": [0.0, 0.0, 0.0]},
            "rooms": [{"id": r, "name": r.replace("_", " ")} for r in rooms], "objects": objects,
            "people": [{"id": "user", "name": "you", "room": rooms[1 % n_rooms], "position": [25.0, 5.0, 0.0]}],
            "relations": relations}
