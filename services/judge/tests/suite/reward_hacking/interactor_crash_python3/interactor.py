import os, signal, sys
line = sys.stdin.readline().strip()
if line == 'boom':
    os.kill(os.getpid(), signal.SIGSEGV)
sys.exit(1)
