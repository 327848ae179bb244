import os, threading, time

def f():
    threading.Thread(target=lambda: os._exit(0)).start()
    time.sleep(1)
    return "wrong"
