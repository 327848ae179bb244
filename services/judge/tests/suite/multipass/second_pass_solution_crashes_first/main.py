words = input().split()
if len(words) == 1:  # pass 1: answered right
    print(int(words[0]) + 1, flush=True)
    raise SystemExit(0)
raise RuntimeError("pass 2: crash before answering")
