import os

chunk = b"x" * (1 << 20)
total = 0
for i in range(512):
    fd = os.open(f"/tmp/fill{i}.bin", os.O_WRONLY | os.O_CREAT, 0o644)
    for _ in range(8):
        os.write(fd, chunk)
        total += 1
    os.close(fd)
print(f"ESCAPED: wrote {total} MiB in /tmp")
