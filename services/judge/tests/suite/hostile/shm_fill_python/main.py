import os

# /dev/shm is another tmpfs a program can write to: 8 MiB files until something stops us.
chunk = b"x" * (1 << 20)
total = 0
for i in range(512):
    fd = os.open(f"/dev/shm/fill{i}", os.O_WRONLY | os.O_CREAT, 0o644)
    for _ in range(8):
        os.write(fd, chunk)
        total += 1
    os.close(fd)
print(f"ESCAPED: wrote {total} MiB in /dev/shm")
