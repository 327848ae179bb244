def shape(kind):
    if kind == "tuple":
        return (1, 2, 3)  # serialises as a JSON list
    if kind == "none":
        return None
    if kind == "dict":
        return {"b": [1, {"y": 2, "x": 1}], "a": "é✓"}  # key order must not matter
    if kind == "nested":
        return [[], [[]], [1.5, -2]]
    raise ValueError(kind)
