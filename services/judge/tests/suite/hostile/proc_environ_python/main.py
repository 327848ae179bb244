import os

# Dump every environ and cmdline /proc lets us read (pid 1, the parent, everything visible).
pids = sorted({p for p in os.listdir("/proc") if p.isdigit()} | {"1", str(os.getppid()), "self"})
for pid in pids:
    for name in ("environ", "cmdline"):
        try:
            with open(f"/proc/{pid}/{name}", "rb") as f:
                data = f.read()
        except OSError as e:
            print(f"/proc/{pid}/{name}: {e.strerror}")
            continue
        text = data.replace(b"\0", b" ").decode(errors="replace")
        print(f"/proc/{pid}/{name}: {text}")
print(f"visible pids: {len(pids) - 1}")
