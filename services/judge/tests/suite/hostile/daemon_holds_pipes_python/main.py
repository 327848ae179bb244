import os
import time

a, b = map(int, input().split())
print(a + b, flush=True)
if os.fork() == 0:
    os.setsid()
    # Keeps the inherited stdout/stderr pipes open and keeps writing: a judge that waits for
    # end of file on stdout would hang until the wall limit. It first lets the main process
    # exit, so everything it writes comes after the end of the run.
    time.sleep(0.3)
    while True:
        try:
            os.write(1, b"late output from a daemon\n")
        except OSError:
            pass
        time.sleep(0.2)
