import os
import signal

# A stopped process uses no CPU and ignores everything but SIGKILL/SIGCONT: a child stops itself,
# then the main process does too. Only the wall limit can end this, and the judge must still
# kill both (a stopped process outlives a judge that only sends SIGTERM).
print("3", flush=True)
if os.fork() == 0:
    os.setsid()
    os.kill(os.getpid(), signal.SIGSTOP)
    os._exit(0)
os.kill(os.getpid(), signal.SIGSTOP)
