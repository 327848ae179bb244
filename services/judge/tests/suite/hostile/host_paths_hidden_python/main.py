# Prints what the box shows of where things come from; the test checks it from outside.
import gc
import os
import sys
import traceback
import types


def show(title, text):
    print("== " + title)
    print(text.replace("\0", " ").rstrip("\n"))


def read(path, binary=False):
    try:
        with open(path, "rb") as f:
            data = f.read()
        return data.decode("utf-8", "replace")
    except OSError as e:
        return "unreadable: %s" % e


for name in ("mountinfo", "mounts", "maps", "environ", "cmdline", "status"):
    show("/proc/self/" + name, read("/proc/self/" + name))
show("/proc/1/cmdline", read("/proc/1/cmdline"))
show("cwd", os.getcwd())
show("argv", repr(sys.argv) + " " + repr(getattr(sys, "orig_argv", None)))
show("exe", os.readlink("/proc/self/exe"))
fds = []
for fd in sorted(os.listdir("/proc/self/fd"), key=int):
    try:
        fds.append("%s -> %s" % (fd, os.readlink("/proc/self/fd/" + fd)))
    except OSError as e:
        fds.append("%s: %s" % (fd, e))
show("fd links", "\n".join(fds))
show("sys.path", repr(sys.path))
show("sys.executable", repr(sys.executable) + " " + repr(sys.prefix) + " " + repr(sys.base_prefix))
show("__file__", repr(globals().get("__file__")))
files = set()
for obj in gc.get_objects():
    code = None
    if isinstance(obj, types.FunctionType):
        code = obj.__code__
    elif isinstance(obj, types.CodeType):
        code = obj
    elif isinstance(obj, types.ModuleType):
        files.add(repr(getattr(obj, "__file__", None)))
    if code is not None:
        files.add(code.co_filename)
frame = sys._getframe()
while frame is not None:
    files.add(frame.f_code.co_filename)
    frame = frame.f_back
show("code files", "\n".join(sorted(files)))
try:
    int("not a number " + sys.stdin.readline())
except ValueError:
    show("traceback", traceback.format_exc())
show("end", "")
sys.stderr.write("stderr traceback follows\n")
traceback.print_stack()
