"""Plain Python values as bytes: how a judged program's results cross to the side that judges.

Three processes use this file: the candidate's harness encodes what the solution returned, the
assert tester (a separate process, another uid) and the judge decode it. Decoding never runs
code of the sender: the bytes are JSON, tagged so that tuples, sets, bytes, non-string dict keys
and integers of any size survive, and the result is built only from None, bool, int, float, str,
bytes, list, tuple, dict, set and frozenset. Anything else does not encode (`NotAValue`), so an
object with a lying `__eq__` never reaches whoever compares.

Stdlib only, Python 3.8 compatible (pypy3 runs the candidate side).
"""

import json
import os
import struct

MAX_DEPTH = 200  # nesting a value may have; deeper (or cyclic) is not a value
SMALL_INT = 1 << 53  # ints beyond this travel as hex text (JSON ints past 4300 digits fail to parse)

# JSON arrays are always tagged: ["l", ...] list, ["t", ...] tuple, ["s", ...] set,
# ["f", ...] frozenset, ["d", k, v, k, v ...] dict, ["b", "hex"] bytes, ["i", "hex"] int,
# ["h", n, "what"] an object the sender keeps (assert runs only). Scalars are plain JSON.
_SEQ_TAGS = {list: "l", tuple: "t", set: "s", frozenset: "f"}
_SEQ_TYPES = {v: k for k, v in _SEQ_TAGS.items()}


class NotAValue(TypeError):
    """The object is not a plain value (or nests too deep to be one)."""


class Malformed(ValueError):
    """The bytes are not an encoding of a plain value."""


def _plain(value, handle, depth):
    if depth > MAX_DEPTH:
        raise NotAValue("a value nested deeper than %d levels (or a cycle)" % MAX_DEPTH)
    t = type(value)
    if value is None or t is bool or t is str:
        return value
    if t is int:
        return value if -SMALL_INT <= value <= SMALL_INT else ["i", _hex(value)]
    if t is float:
        return value
    if t in _SEQ_TAGS:
        return [_SEQ_TAGS[t]] + [_plain(v, handle, depth + 1) for v in value]
    if t is dict:
        out = ["d"]
        for k, v in value.items():
            out.append(_plain(k, handle, depth + 1))
            out.append(_plain(v, handle, depth + 1))
        return out
    if t is bytes or t is bytearray:
        return ["b", bytes(value).hex()]
    converted = _converted(value)
    if converted is not _NOTHING:
        return _plain(converted, handle, depth)
    if handle is not None:
        ref = handle(value)
        if ref is not None:
            return ["h", ref, describe(value)]
    raise NotAValue("an object of type %s is not a plain value" % _type_name(value))


_NOTHING = object()


def _converted(value):
    """Subclasses of plain types (bool subclasses aside), numpy scalars: their plain equivalent."""
    for base in (int, float, str, bytes, tuple, list, dict, set, frozenset):
        if isinstance(value, base):
            try:
                return base(value)
            except Exception:
                raise NotAValue(
                    "a %s that does not convert to %s" % (_type_name(value), base.__name__)
                ) from None
    if getattr(type(value), "__module__", None) == "numpy" and hasattr(value, "item"):
        try:
            plain = value.item()
        except Exception:
            return _NOTHING
        if type(plain) in (bool, int, float, str, bytes):
            return plain
    return _NOTHING


def _type_name(value):
    t = type(value)
    module = getattr(t, "__module__", "")
    name = getattr(t, "__qualname__", getattr(t, "__name__", "?"))
    return name if module in ("builtins", "__main__", "solution", None) else "%s.%s" % (module, name)


def describe(obj):
    """A short text for an object kept by the sender, e.g. "function add", "Pair object"."""
    if isinstance(obj, type):
        return "class %s" % getattr(obj, "__qualname__", "?")
    if callable(obj):
        return "%s %s" % (
            "function" if hasattr(obj, "__code__") else "callable",
            getattr(obj, "__qualname__", "?"),
        )
    return "%s object" % _type_name(obj)


def _hex(n):
    return ("-" if n < 0 else "") + "%x" % abs(n)


def to_tree(value, handle=None):
    """The JSON-ready form of a plain value; `handle(obj)` may give a ref for one that is not."""
    try:
        return _plain(value, handle, 0)
    except RecursionError:
        raise NotAValue("a value nested too deep to encode") from None


def from_tree(tree, handle=None):
    """The plain value a JSON-ready form stands for; `handle(ref, what)` makes a kept object's stand-in."""
    try:
        return _value(tree, handle, 0)
    except Malformed:
        raise
    except (ValueError, RecursionError, TypeError, KeyError, IndexError, OverflowError) as e:
        raise Malformed("not an encoded value: %s: %s" % (type(e).__name__, e)) from None


def dumps(doc):
    """A message (trees inside a JSON document) as bytes."""
    return json.dumps(doc, separators=(",", ":"), allow_nan=True).encode()


def loads(data):
    """A message back from bytes; never more than JSON's own types."""
    try:
        return json.loads(data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data)
    except (ValueError, RecursionError, TypeError) as e:
        raise Malformed("not a message: %s: %s" % (type(e).__name__, e)) from None


_LEN = struct.Struct("!I")


def send(fd, doc):
    """Write one message (a length, then its JSON) on a pipe."""
    data = dumps(doc)
    view = memoryview(_LEN.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def receive(fd, limit):
    """The next message on a pipe, None at end of file; Malformed past `limit` bytes or when cut."""
    head = _read(fd, _LEN.size)
    if not head:
        return None
    if len(head) < _LEN.size:
        raise Malformed("a message cut short")
    (n,) = _LEN.unpack(head)
    if n > limit:
        raise Malformed("a message of %d bytes (at most %d)" % (n, limit))
    data = _read(fd, n)
    if len(data) < n:
        raise Malformed("a message cut short")
    return loads(data)


def _read(fd, n):
    chunks, got = [], 0
    while got < n:
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def encode(value):
    """The bytes of a plain value."""
    return dumps(to_tree(value))


def decode(data):
    """The plain value in bytes made by `encode`."""
    return from_tree(loads(data))


def _value(tree, handle, depth):
    if depth > MAX_DEPTH + 1:
        raise Malformed("nested too deep")
    t = type(tree)
    if tree is None or t is bool or t is str or t is float:
        return tree
    if t is int:
        if not -SMALL_INT <= tree <= SMALL_INT:
            raise Malformed("a large int outside its hex form")
        return tree
    if t is not list or not tree or type(tree[0]) is not str:
        raise Malformed("an untagged structure")
    tag, items = tree[0], tree[1:]
    if tag in _SEQ_TYPES:
        values = [_value(v, handle, depth + 1) for v in items]
        return _SEQ_TYPES[tag](values) if tag != "l" else values
    if tag == "d":
        if len(items) % 2:
            raise Malformed("a dict with an odd number of items")
        return {
            _value(items[i], handle, depth + 1): _value(items[i + 1], handle, depth + 1)
            for i in range(0, len(items), 2)
        }
    if tag == "h" and handle is not None:
        if len(items) != 2 or type(items[0]) is not int or type(items[1]) is not str:
            raise Malformed("a bad handle")
        return handle(items[0], items[1])
    if len(items) != 1 or type(items[0]) is not str:
        raise Malformed("a bad %r item" % tag)
    if tag == "b":
        return bytes.fromhex(items[0])
    if tag == "i":
        return int(items[0], 16)
    raise Malformed("an unknown tag %r" % tag)
