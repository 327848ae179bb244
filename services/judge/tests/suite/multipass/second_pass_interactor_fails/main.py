words = input().split()
if len(words) == 1:  # pass 1: answered right
    print(int(words[0]) + 1, flush=True)
    raise SystemExit(0)
print(" ".join(words[:1] + [str(int(words[1]) + 1)]), flush=True)  # pass 2: right too
