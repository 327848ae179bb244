words = input().split()
if len(words) == 1:  # pass 1: answered right
    print(int(words[0]) + 1, flush=True)
    raise SystemExit(0)
print(0, flush=True)  # pass 2: a wrong answer
input()  # the interactor has gone: EOFError, the program crashes
