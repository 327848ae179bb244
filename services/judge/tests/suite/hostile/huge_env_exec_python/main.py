import errno
import os
import sys

big = "x" * (127 * 1024)  # just under MAX_ARG_STRLEN; one object, referenced many times
env = {f"V{i}": big for i in range(1600)}  # ~200 MB once copied by execve
argv = [sys.executable, "-c", "print('exec-succeeded')"]
for label, args, environ in (("env", argv, env), ("argv", argv + [big] * 1600, {})):
    try:
        os.execve(sys.executable, args, environ)
    except OSError as e:
        print(f"{label}: exec refused ({errno.errorcode.get(e.errno, e.errno)})", flush=True)
print("contained")
