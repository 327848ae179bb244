import os

fds = []
try:
    while len(fds) < 100000:
        fds.append(os.open("/dev/null", os.O_RDONLY))
except OSError as e:
    print(f"stopped after {len(fds)}: {e.strerror}")
print("contained" if len(fds) < 32 else f"ESCAPED: {len(fds)} descriptors under a limit of 32")
