import atexit
import sys
import threading
import time


class Noisy:
    def __del__(self):
        print("del ran", flush=True)


keep = Noisy()
atexit.register(print, "atexit first registered")
atexit.register(print, "atexit second registered")


def late():
    time.sleep(0.3)
    print("non-daemon thread done", flush=True)


def forever():
    time.sleep(30)
    print("daemon thread must not print", flush=True)


def boom():
    raise ValueError("in a thread")


threading.Thread(target=late).start()
threading.Thread(target=forever, daemon=True).start()
t = threading.Thread(target=boom, name="boomer")
t.start()
t.join()
threading.Thread(target=sys.exit, args=(9,)).start()
print("main done", flush=True)
