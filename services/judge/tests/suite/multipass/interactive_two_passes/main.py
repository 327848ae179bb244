words = input().split()
if len(words) == 1:
    print(int(words[0]) + 1, flush=True)
else:
    print(words[0], int(words[1]) + 1, flush=True)
