"""Run a Python solution the way `python3 solution.py` would, plus the call and assert harnesses.

Two callers share this file. The box process imports it and, in a freshly forked child, turns
that child into what a new interpreter running the script would be (`warm_*` functions). Fresh
interpreters (pypy3, or python3 with the warm path off) run it as a script:
`python pyrunner.py call|assert SOLUTION`. It must stay stdlib-only and Python 3.8 compatible.

The call harness reports the function's value on fd 4 as a plain value (pyvalues.py), which
the judge compares; a program that exits before its function returned writes nothing there.
The assert harness only serves calls: the tests run in a separate tester process (pytester.py)
that asks this one to call the program's functions, so no verdict comes from in here.
"""

import io
import json
import os
import signal
import sys
import traceback
import types

import pyvalues

SPEC_FD = 3  # call runs: what to call, a JSON document the judge wrote
RESULT_FD = 4  # call runs: the value, read by the judge


# ------------------------------------------------------------------ interpreter state


def new_stdio():
    """Text streams over fds 0-2, built as CPython's create_stdio builds them.

    Encoding and errors come from this interpreter's own start-up streams, which were made
    under the same environment the program gets.
    """
    streams = []
    for fd, name, write in ((0, "stdin", False), (1, "stdout", True), (2, "stderr", True)):
        old = getattr(sys, "__%s__" % name)
        buf = open(fd, "wb" if write else "rb", -1, None, None, None, False)  # noqa: SIM115 (as create_stdio)
        buf.raw.name = "<%s>" % name
        line_buffering = buf.raw.isatty() or fd == 2
        stream = io.TextIOWrapper(buf, old.encoding, old.errors, "\n", line_buffering, False)
        stream.mode = "w" if write else "r"
        streams.append(stream)
    return streams


def main_module(path, name="__main__"):
    """A module namespace like the one the interpreter gives a script."""
    from importlib.machinery import SourceFileLoader

    mod = types.ModuleType(name)
    mod.__dict__.update(
        {
            "__file__": path,
            "__cached__": None,
            "__loader__": SourceFileLoader(name, path),
            "__spec__": None,
            "__package__": None,
            "__annotations__": {},
            "__builtins__": sys.modules["builtins"],
        }
    )
    return mod


def prepare(path, module_name, args=()):
    """Everything a warm child needs, built in the parent before the fork (no copy-on-write)."""
    return main_module(path, module_name), new_stdio(), list(args)


def install(prepared, forget=()):
    """Make this forked interpreter look as if it had been started as `python PATH`."""
    mod, (stdin, stdout, stderr), args = prepared
    path = mod.__file__
    sys.argv = [path, *args]
    if hasattr(sys, "orig_argv"):
        sys.orig_argv = [sys.executable, path]
    sys.path[0] = os.path.dirname(path)
    for name in forget:
        sys.modules.pop(name, None)
    sys.modules[mod.__name__] = mod
    sys.stdin = sys.__stdin__ = stdin
    sys.stdout = sys.__stdout__ = stdout
    sys.stderr = sys.__stderr__ = stderr
    return mod.__dict__


def load_code(path):
    """The solution's code object: marshalled by the compile step, else compiled from source."""
    import marshal

    try:
        with open(path + "c", "rb") as f:
            return marshal.loads(f.read())
    except (OSError, ValueError, EOFError, TypeError):
        with open(path, "rb") as f:
            return compile(f.read(), path, "exec", dont_inherit=True)


def compile_check(path, out_path, filename=None):
    """Compile once per submission; a SyntaxError becomes a compilation error with the usual text.

    `filename` is where the file will live when it runs, so tracebacks name that path.
    """
    import marshal

    with open(path, "rb") as f:
        src = f.read()
    try:
        code = compile(src, filename or path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
        traceback.print_exception(type(e), e, None)
        sys.stderr.flush()
        return 1
    with open(out_path, "wb") as f:
        f.write(marshal.dumps(code))
    return 0


def _strip_frames(exc, path):
    """Drop the harness frames above the solution's first frame, as a fresh interpreter shows it."""
    tb = exc.__traceback__
    name = os.path.basename(path)
    while tb is not None and os.path.basename(tb.tb_frame.f_code.co_filename) != name:
        tb = tb.tb_next
    if tb is not None:
        exc.__traceback__ = tb
    return exc


def exit_code_for(exc, path):
    """Print what the interpreter prints for an uncaught exception and return its exit status."""
    if isinstance(exc, SystemExit):
        code = exc.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code & 0xFF
        try:
            sys.stderr.write(str(code) + "\n")
        except Exception:
            pass
        return 1
    _strip_frames(exc, path)
    sys.last_type, sys.last_value, sys.last_traceback = type(exc), exc, exc.__traceback__
    try:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    except Exception:
        traceback.print_exception(type(exc), exc, exc.__traceback__)
    if isinstance(exc, KeyboardInterrupt):
        return -signal.SIGINT
    return 1


def finalize(status):
    """Py_FinalizeEx in the order CPython does it, then leave without running the box's code."""
    # Not imported here: a program that never imported threading has no thread of its to wait
    # for, and an import may fail (it exhausted its descriptors: Debian's python3 does not
    # import threading at start-up, so this import used to turn an exit 0 into RE).
    threading = sys.modules.get("threading")
    try:
        if threading is not None:
            threading._shutdown()
    except BaseException as e:
        status = status or exit_code_for(e, "")
    try:
        import atexit

        atexit._run_exitfuncs()
    except BaseException:
        pass
    failed = False
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None and not stream.closed:
                stream.flush()
        except BaseException as e:
            if stream is sys.stdout:
                failed = True
                try:
                    sys.stderr.write("Exception ignored in: %r\n" % (stream,))
                    traceback.print_exception(type(e), e, e.__traceback__)
                    sys.stderr.flush()
                except BaseException:
                    pass
    if status < 0:
        signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
    os._exit(120 if failed and status == 0 else status)


# ------------------------------------------------------------------------ harnesses


def _read_spec():
    with os.fdopen(SPEC_FD, "rb") as f:
        return json.loads(f.read().decode("utf-8"))


def _flush_stdout():
    try:
        sys.stdout.flush()
    except Exception:
        pass


def resolve_callable(namespace, name):
    """`Solution().<name>` when a Solution class defines it, else a top-level function."""
    cls = namespace.get("Solution")
    if isinstance(cls, type) and hasattr(cls, name):
        return getattr(cls(), name)
    fn = namespace.get(name)
    if callable(fn):
        return fn
    raise NameError("no function %r and no Solution.%s in the program" % (name, name))


def run_call(namespace):
    """After the solution module ran: call the function named in the spec and report its value.

    The value goes to the judge as a plain value (pyvalues); the judge compares it. Whatever
    the program writes on RESULT_FD itself is its answer too, so forging it gains nothing.
    """
    spec = _read_spec()
    fn = resolve_callable(namespace, spec["fn_name"])
    value = fn(*spec.get("args", []), **spec.get("kwargs", {}))
    _flush_stdout()
    try:
        doc = {"value": pyvalues.to_tree(value)}
    except pyvalues.NotAValue as e:
        doc = {"error": str(e)}
    os.write(RESULT_FD, pyvalues.dumps(doc))


CALLS_IN, CALLS_OUT = 3, 4  # assert runs: requests from the tester, replies to it
MAX_REQUEST = 64 << 20


class _Kept:
    """Objects of the program the tester holds handles to (ref 0 is the module itself)."""

    def __init__(self, namespace):
        self.namespace = namespace
        self.objects = [namespace]
        self.refs = {}
        self.module = namespace.get("__name__")

    def ref(self, obj):
        """A handle for a callable or an instance of the program's own class; None for others."""
        if not (callable(obj) or getattr(type(obj), "__module__", None) == self.module):
            return None
        ref = self.refs.get(id(obj))
        if ref is None:
            ref = self.refs[id(obj)] = len(self.objects)
            self.objects.append(obj)  # kept alive, so its id is never reused
        return ref

    def obj(self, ref, _what=None):
        if not 0 < ref < len(self.objects):
            raise ValueError("no object %d" % ref)
        return self.objects[ref]

    def get(self, ref, name):
        if ref == 0:
            if name not in self.namespace:
                return {"missing": True}
            obj = self.namespace[name]
        else:
            obj = getattr(self.obj(ref), name)
        if isinstance(obj, types.ModuleType):
            return {"module": getattr(obj, "__name__", "")}
        return self.reply(obj)

    def call(self, ref, name, args_tree, kwargs_tree):
        if ref == 0:
            target = self.namespace[name]
        else:
            target = self.obj(ref) if name is None else getattr(self.obj(ref), name)
        args = pyvalues.from_tree(args_tree, self.obj)
        kwargs = pyvalues.from_tree(kwargs_tree, self.obj)
        value = target(*args, **kwargs)
        reply = self.reply(value)
        # Arguments changed in place go back, so tests that look at them see the change.
        changed = []
        for i, arg in enumerate(args):
            if type(arg) in (list, dict, set):
                try:
                    tree = pyvalues.to_tree(arg, self.ref)
                except pyvalues.NotAValue:
                    continue
                if tree != args_tree[i + 1]:
                    changed.append([i, tree])
        if changed:
            reply["changed"] = changed
        return reply

    def reply(self, obj):
        try:
            return {"value": pyvalues.to_tree(obj, self.ref)}
        except pyvalues.NotAValue as e:
            return {"error": str(e)}


def serve_calls(namespace):
    """After the solution module ran (assert tests): answer the tester's calls until it hangs up.

    The tests run in another process under another uid (pytester.py); this side only calls the
    program's functions and sends back plain values, so nothing here decides a verdict.
    """
    kept = _Kept(namespace)
    try:
        pyvalues.send(CALLS_OUT, {"ready": True})
    except OSError:  # the tester is gone (it gave up on what this program wrote there)
        return
    while True:
        try:
            msg = pyvalues.receive(CALLS_IN, MAX_REQUEST)
        except (pyvalues.Malformed, OSError):
            msg = None
        if msg is None:
            break
        try:
            if msg.get("op") == "get":
                reply = kept.get(msg["ref"], msg["name"])
            else:
                reply = kept.call(msg["ref"], msg.get("name"), msg["args"], msg["kwargs"])
        except Exception as e:
            reply = {"raise": _exception_names(e), "message": _message(e)}
        _flush_stdout()
        try:
            pyvalues.send(CALLS_OUT, reply)
        except OSError:
            break
    _flush_stdout()


def _exception_names(exc):
    return [getattr(c, "__name__", "?") for c in type(exc).__mro__][:16]


def _message(exc):
    try:
        return str(exc)[:2000]
    except Exception:
        return ""


HARNESSES = {"call": run_call, "assert": serve_calls}


def script_main(argv):
    """Entry point for fresh interpreters: `python pyrunner.py call|assert SOLUTION`."""
    mode, path = argv[1], argv[2]
    if mode == "compile":
        sys.exit(compile_check(path, argv[3], argv[4] if len(argv) > 4 else None))
    sys.argv = [path]
    sys.path[0] = os.path.dirname(path)
    mod = main_module(path, "__main__" if mode == "assert" else "solution")
    sys.modules[mod.__name__] = mod
    namespace = mod.__dict__
    status = 0
    try:
        exec(load_code(path), namespace)
        HARNESSES[mode](namespace)
    except BaseException as e:
        status = exit_code_for(e, path)
    finalize(status)


if __name__ == "__main__":
    script_main(sys.argv)
