import inspect
import os
import sys

print("__name__", __name__)
print("__file__", os.path.basename(__file__), os.path.isabs(__file__), os.path.exists(__file__))
print("__spec__", __spec__)
print("__package__", __package__)
print("__builtins__", type(__builtins__).__name__)
print("__debug__", __debug__)
print("__main__ registered", sys.modules["__main__"].__dict__ is globals())
print("argv", len(sys.argv), os.path.basename(sys.argv[0]))
print("path[0] is the script dir", sys.path[0] == os.path.dirname(os.path.abspath(__file__)))
print("cwd is the script dir", os.getcwd() == os.path.dirname(os.path.abspath(__file__)))
print("flags", sys.flags)
print("warnoptions", sys.warnoptions)
print("recursionlimit", sys.getrecursionlimit())
print("stack depth", len(inspect.stack()))
print("switchinterval", sys.getswitchinterval())
print("dont_write_bytecode", sys.dont_write_bytecode)
for name in ("stdin", "stdout", "stderr"):
    s = getattr(sys, name)
    print(name, s.encoding, s.errors, s.line_buffering, getattr(s, "write_through", None), s.isatty(), s.fileno(), repr(s.newlines) if name == "stdin" else "")
print("stdin buffer", type(sys.stdin.buffer).__name__, type(sys.stdin.buffer.raw).__name__)
print("stdout buffer", type(sys.stdout.buffer).__name__, sys.stdout.buffer.raw.mode)
print("version", sys.version_info[:3], sys.implementation.name)
print("executable set", bool(sys.executable), os.path.basename(sys.executable).startswith("python"))
print("defaultencoding", sys.getdefaultencoding(), sys.getfilesystemencoding())
