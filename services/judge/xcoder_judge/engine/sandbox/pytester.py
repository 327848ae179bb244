"""The tester of an assert test: runs the test code in its own process, calling the program remotely.

The box forks this process for every assert test, next to the candidate, and drops it to the
slot's aux uid: the candidate (main uid) cannot signal, trace or read it. The test code comes
on SPEC_FD, which only this process holds; the verdict leaves on RESULT_FD, which only this
process and the judge hold. Every name of the solution the tests use is a stand-in here
(`Remote`): calling it sends the arguments to the candidate over a pipe pair and gets plain
values back (pyvalues.py), so no object of the program, and no `__eq__` it wrote, ever runs in
this process. The program's exceptions come back as exceptions, built-in types by name.

Whatever the candidate does - exit early, crash, hang, return an object, send garbage - is
recorded here as a failure that the test code cannot catch or undo.

Stdlib only, Python 3.8 compatible: it runs in a fork of the box's interpreter.
"""

import builtins
import json
import os
import sys
import traceback
import types

import pyvalues

SPEC_FD = 3  # {"code": ..., "entry_point": ...} written by the judge
RESULT_FD = 4  # {"passed": ..., "reason": ..., "message": ...} read by the judge
REPLIES_IN, CALLS_OUT = 5, 6  # the pipe pair to the candidate
MAX_REPLY = 64 << 20
TESTS_FILE = "<tests>"
MESSAGE_CAP = 1000


class Stop(BaseException):
    """Unwinds the test code after a failure it must not be able to catch (see `Run.fail`)."""


class Run:
    """One assert test: the channel to the candidate and the first failure, which is final."""

    def __init__(self):
        self.failure = None  # (reason, message)
        self.calls = 0
        self.error_types = {}

    def fail(self, reason, message):
        if self.failure is None:
            self.failure = (reason, message[:MESSAGE_CAP])
        raise Stop()

    # -------------------------------------------------------------- the channel

    def exchange(self, request):
        if self.failure is not None:
            raise Stop()
        try:
            pyvalues.send(CALLS_OUT, request)
            reply = pyvalues.receive(REPLIES_IN, MAX_REPLY)
        except OSError:
            reply = None
        except pyvalues.Malformed as e:
            self.fail("protocol", "the program sent something that is not a reply: %s" % e)
        if reply is None:
            self.fail("exited", "the program exited during the tests")
        if not isinstance(reply, dict):
            self.fail("protocol", "the program sent something that is not a reply")
        return reply

    def result(self, reply, what):
        """The value in a reply, or the program's exception raised here."""
        if "value" in reply:
            try:
                return pyvalues.from_tree(reply["value"], self.remote)
            except pyvalues.Malformed as e:
                self.fail("protocol", "the program sent a malformed value: %s" % e)
        if "raise" in reply:
            raise self.program_exception(reply.get("raise"), reply.get("message"))
        if "error" in reply:
            self.fail("non_value", "%s returned a non-value object: %s" % (what, str(reply["error"])[:300]))
        self.fail("protocol", "the program sent a reply without a value")

    def remote(self, ref, what):
        return Remote(self, ref, what)

    def get(self, ref, name, what):
        return self.result(self.exchange({"op": "get", "ref": ref, "name": name}), what)

    def call(self, ref, what, args, kwargs):
        self.calls += 1
        try:
            args_tree = pyvalues.to_tree(list(args), _ref_of)
            kwargs_tree = pyvalues.to_tree(dict(kwargs), _ref_of)
        except pyvalues.NotAValue as e:
            self.fail(
                "unsupported", "the tests pass the program something that is not a plain value (%s)" % e
            )
        reply = self.exchange({"op": "call", "ref": ref, "args": args_tree, "kwargs": kwargs_tree})
        for index, tree in reply.get("changed", ()) if isinstance(reply.get("changed"), list) else ():
            self.copy_back(args, index, tree)
        return self.result(reply, what)

    def copy_back(self, args, index, tree):
        """An argument the program changed in place changes here too, as it would in one process."""
        if not isinstance(index, int) or not 0 <= index < len(args):
            return
        try:
            new = pyvalues.from_tree(tree, self.remote)
        except pyvalues.Malformed:
            return
        old = args[index]
        if type(old) is not type(new):
            return
        if type(old) is list:
            old[:] = new
        elif type(old) in (dict, set):
            old.clear()
            old.update(new)

    def program_exception(self, names, message):
        """The program's exception as this side raises it: the first built-in type in its MRO."""
        names = (
            [n for n in names if isinstance(n, str) and n.isidentifier()] if isinstance(names, list) else []
        )
        message = message if isinstance(message, str) else ""
        base = next((getattr(builtins, n) for n in names if _builtin_exception(n)), Exception)
        name = names[0] if names else base.__name__
        if name == base.__name__:
            cls = base
        else:
            cls = self.error_types.get((name, base))
            if cls is None:
                cls = self.error_types[(name, base)] = type(name, (base,), {"__module__": "program"})
        exc = cls(message)
        exc.from_program = True
        return exc


def _builtin_exception(name):
    cls = getattr(builtins, name, None)
    return isinstance(cls, type) and issubclass(cls, Exception)


def _ref_of(obj):
    return object.__getattribute__(obj, "_ref") if type(obj) is Remote else None


class Remote:
    """Stands for an object the program keeps: a function, a class, an instance of its class.

    Calls and attribute reads go to the candidate and come back as plain values (or more
    stand-ins). Anything that would ask the object for a value - truth, equality, order,
    length, iteration, conversion - is a failure: the program returned a non-value object.
    """

    __slots__ = ("_ref", "_run", "_what")

    def __init__(self, run, ref, what):
        object.__setattr__(self, "_run", run)
        object.__setattr__(self, "_ref", ref)
        object.__setattr__(self, "_what", what)

    def __call__(self, *args, **kwargs):
        run, ref, what = (object.__getattribute__(self, k) for k in ("_run", "_ref", "_what"))
        return run.call(ref, what, args, kwargs)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        run, ref, what = (object.__getattribute__(self, k) for k in ("_run", "_ref", "_what"))
        return run.get(ref, name, "%s.%s" % (what, name))

    def __setattr__(self, name, value):
        self._used_as_value("attribute assignment")

    def __repr__(self):
        return "<%s of the program>" % object.__getattribute__(self, "_what")

    __hash__ = object.__hash__

    def _used_as_value(self, how):
        what = object.__getattribute__(self, "_what")
        object.__getattribute__(self, "_run").fail(
            "non_value", "the program returned a non-value object (%s), used as a value (%s)" % (what, how)
        )


def _value_use(how):
    def refuse(self, *args):
        self._used_as_value(how)

    return refuse


for _name, _how in (
    ("__bool__", "truth"), ("__eq__", "=="), ("__ne__", "!="), ("__lt__", "<"), ("__le__", "<="),
    ("__gt__", ">"), ("__ge__", ">="), ("__len__", "len"), ("__iter__", "iteration"),
    ("__contains__", "in"), ("__getitem__", "indexing"), ("__int__", "int"), ("__float__", "float"),
    ("__index__", "index"), ("__str__", "str"), ("__format__", "format"), ("__add__", "+"),
    ("__radd__", "+"), ("__sub__", "-"), ("__mul__", "*"), ("__abs__", "abs"), ("__neg__", "-"),
):  # fmt: skip
    setattr(Remote, _name, _value_use(_how))


class Unusable(Remote):
    """Stands for a top-level name of the program that is neither a value nor callable."""

    __slots__ = ()

    def __call__(self, *args, **kwargs):
        self._used_as_value("call")

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        self._used_as_value("attribute")


# ------------------------------------------------------------------ the test


def referenced_names(code):
    """Every name the test code's code objects mention (a superset of the globals it reads)."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= referenced_names(const)
    return names


def stdlib_module(name):
    top = name.partition(".")[0]
    known = getattr(sys, "stdlib_module_names", ())
    return top in known and top not in ("antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo")


def bind_program_names(run, code, entry_point, namespace):
    """Stand-ins for the solution's top-level names that the tests mention.

    A name the tests mention but the solution does not define is left out (the tests may
    define it); built-in names stay built-ins (a solution's own `abs` would decide asserts);
    modules the solution imported are imported here instead, from the standard library only.
    """
    for name in sorted(referenced_names(code)):
        if name.startswith("__") or (hasattr(builtins, name) and name != entry_point):
            continue
        if entry_point and name == "check":
            continue  # check() comes from the tests, never from the program
        reply = run.exchange({"op": "get", "ref": 0, "name": name})
        if reply.get("missing"):
            continue
        if "module" in reply:
            module = reply["module"]
            if isinstance(module, str) and stdlib_module(module):
                try:
                    namespace[name] = __import__(module, fromlist=["_"])
                except Exception:
                    pass
            continue
        if "error" in reply:
            namespace[name] = Unusable(run, 0, "top-level %s" % name)
            continue
        namespace[name] = run.result(reply, name)


def assertion_message(exc, code_lines):
    """Where in the tests it failed, and the assert's own message if it has one."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == TESTS_FILE]
    where = ""
    if frames:
        f = frames[-1]
        line = code_lines[f.lineno - 1].strip() if f.lineno and 0 < f.lineno <= len(code_lines) else ""
        where = " at line %d of the tests: %s" % (f.lineno, line)
    detail = str(exc)
    return "an assertion failed%s%s" % (where, (" (%s)" % detail) if detail else "")


def run_tests(run, spec):
    code_text = spec["code"]
    entry_point = spec.get("entry_point")
    try:
        code = compile(code_text, TESTS_FILE, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as e:
        return "tests_error", "the tests do not compile: %s" % e
    try:
        ready = pyvalues.receive(REPLIES_IN, MAX_REPLY)
    except (pyvalues.Malformed, OSError):
        ready = None
    if not isinstance(ready, dict) or not ready.get("ready"):
        return "not_ready", "the program ended before its functions could be called"
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    lines = code_text.splitlines()
    candidate = None
    try:
        bind_program_names(run, code, entry_point, namespace)
        if entry_point:
            reply = run.exchange({"op": "get", "ref": 0, "name": entry_point})
            candidate = None if reply.get("missing") or "module" in reply else run.result(reply, entry_point)
        exec(code, namespace)
        if entry_point:
            check = namespace.get("check")
            if not (isinstance(check, types.FunctionType) and check.__code__.co_filename == TESTS_FILE):
                return "tests_error", "the tests define no check(candidate) for entry_point %r" % entry_point
            if not isinstance(candidate, Remote):
                return "missing", "the program defines no function %r" % entry_point
            check(candidate)
    except Stop:
        pass
    except AssertionError as e:
        if run.failure is None:
            if getattr(e, "from_program", False):
                return "raised", "the program raised AssertionError: %s" % e
            return "assert", assertion_message(e, lines)
    except Exception as e:
        if run.failure is None:
            origin = "the program raised" if getattr(e, "from_program", False) else "the tests raised"
            return "raised", "%s %s: %s" % (origin, type(e).__name__, str(e)[:300])
    except BaseException as e:  # SystemExit, KeyboardInterrupt from the test code itself
        if run.failure is None:
            return "raised", "the tests raised %s" % type(e).__name__
    if run.failure is not None:
        return run.failure
    return None


def contain():
    """Nothing the candidate can write is ever imported here: no /box, /tmp or cwd on sys.path."""
    os.chdir("/")
    scratch = ("/box", "/tmp", "/dev/shm", "/prog", "/aux")
    sys.path[:] = [p for p in sys.path if p and os.path.isabs(p) and not p.startswith(scratch)]


def main():
    run = Run()
    try:
        contain()
        with os.fdopen(SPEC_FD, "rb") as f:
            spec = json.loads(f.read().decode("utf-8"))
        outcome = run_tests(run, spec)
    except BaseException as e:
        outcome = ("tester_error", "the tester failed: %s: %s" % (type(e).__name__, e))
    try:
        os.close(CALLS_OUT)  # the candidate sees end of file and exits
    except OSError:
        pass
    reason, message = outcome if outcome is not None else ("passed", "")
    report = {
        "passed": outcome is None,
        "reason": reason,
        "message": message[:MESSAGE_CAP],
        "calls": run.calls,
    }
    try:
        os.write(RESULT_FD, json.dumps(report).encode())
    except OSError:
        return 1
    return 0
