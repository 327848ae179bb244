import os

# A 3000-level directory chain (deeper than PATH_MAX, deeper than Python's recursion limit) and
# 20000 files, in the work dir and /tmp: a naive recursive cleanup crashes or leaves them.
start = os.getcwd()
dirty = [d for d in (start, "/tmp") if os.path.exists(os.path.join(d, "deep"))]
print("DIRTY: " + " ".join(dirty) if dirty else "clean", flush=True)
for base in (start, "/tmp"):
    os.chdir(base)
    for _ in range(3000):
        os.mkdir("deep")
        os.chdir("deep")
    os.chdir(base)
    os.mkdir(os.path.join(base, "many"))
    for i in range(10000):
        with open(os.path.join(base, "many", f"f{i}"), "w"):
            pass
os.chmod(os.path.join(start, "many"), 0o500)
os.chdir(start)
