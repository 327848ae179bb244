import os
import signal
import time

role = input().strip()
if role == "killer":
    end = time.time() + 1.5
    while time.time() < end:
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        for pid in os.listdir("/proc"):
            if pid.isdigit() and int(pid) != os.getpid():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except OSError:
                    pass
        time.sleep(0.01)
    print("done")
else:
    time.sleep(1.5)
    print("alive")
