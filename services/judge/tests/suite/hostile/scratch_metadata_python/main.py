# Looks for marks a previous run left on the scratch file systems' metadata, then leaves its own:
# /box (owned by the program) gets chosen timestamps; /tmp and /dev/shm (world-writable) get an
# mtime (an entry created and removed) and, 30 ms later, an atime (a listing). A kept scratch
# would hand both to the next run; the judge must give it fresh ones.
import os
import time

MAGIC = (1000000009, 1000000007)  # atime, mtime in seconds


def probe():
    st = os.stat("/box")
    yield "box timestamps", (int(st.st_atime), int(st.st_mtime)) == MAGIC
    for d in ("/tmp", "/dev/shm"):
        st = os.stat(d)
        yield d + " atime/mtime", st.st_atime_ns != st.st_mtime_ns


found = False
for name, carried in probe():
    found = found or carried
    print("%s: %s" % (name, "ALLOWED" if carried else "blocked (fresh)"))
print("ESCAPED" if found else "contained")
os.utime("/box", MAGIC)
for d in ("/tmp", "/dev/shm"):
    path = d + "/mark"
    open(path, "w").close()
    os.unlink(path)
time.sleep(0.03)
for d in ("/tmp", "/dev/shm"):
    os.listdir(d)
