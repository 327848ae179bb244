import os
import signal

print(3, flush=True)
os.kill(os.getpid(), signal.SIGSEGV)
