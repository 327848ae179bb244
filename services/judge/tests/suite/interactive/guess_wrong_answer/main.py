print("? 500", flush=True)
input()
print("! 42", flush=True)
