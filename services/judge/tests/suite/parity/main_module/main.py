from __future__ import annotations

import dataclasses
import enum
import inspect
import pickle
import sys
import typing


@dataclasses.dataclass
class Point:
    x: int
    y: list[int]


class Color(enum.Enum):
    RED = 1


def area(p: Point) -> int:
    return p.x * len(p.y)


p = pickle.loads(pickle.dumps(Point(2, [1, 2])))
print(p, Point.__module__, Point.__qualname__)
print(typing.get_type_hints(area))
print(pickle.loads(pickle.dumps(Color.RED)))
print(inspect.getsource(area).splitlines()[0])
print(sys.modules[Point.__module__].Point is Point)
