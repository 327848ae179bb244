import os

if os.fork() != 0:
    os._exit(0)


def add(a, b):
    return a - b
