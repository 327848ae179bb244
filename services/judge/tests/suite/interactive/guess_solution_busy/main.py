print("? 500000000", flush=True)
input()
while True:
    pass
