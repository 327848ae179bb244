# Linear search: correct, but far beyond the query budget.
x = 1
while True:
    print("?", x, flush=True)
    reply = input().strip()
    if reply == "=":
        print("!", x, flush=True)
        break
    if reply == "-1":
        break
    x += 1
