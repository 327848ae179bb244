import glob
import os

# Look for what earlier runs left behind, then leave some more.
places = [os.getcwd(), "/tmp", "/dev/shm", "/var/tmp", os.path.expanduser("~")]
found = [p for d in places for p in glob.glob(os.path.join(d, ".xcoder-leftover-*")) + glob.glob(os.path.join(d, "xcoder-leftover-*"))]
print("DIRTY: " + " ".join(found) if found else "clean", flush=True)
for d in places:
    for name in (f"xcoder-leftover-{os.getpid()}", f".xcoder-leftover-{os.getpid()}"):
        try:
            with open(os.path.join(d, name), "w") as f:
                f.write("left behind")
            os.chmod(os.path.join(d, name), 0o444)
        except OSError:
            pass
    try:
        os.mkdir(os.path.join(d, f"xcoder-leftover-dir-{os.getpid()}"))
    except OSError:
        pass
