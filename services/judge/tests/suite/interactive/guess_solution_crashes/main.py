print("? 500000000", flush=True)
input()
raise RuntimeError("the solution dies mid-dialogue")
