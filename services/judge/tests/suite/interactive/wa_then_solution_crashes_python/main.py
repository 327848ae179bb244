import sys

print("! 5", flush=True)  # wrong: the interactor says WA and exits
reply = sys.stdin.readline()  # end of input: the interactor has gone
int(reply)  # ValueError: a crash caused by the interactor hanging up
