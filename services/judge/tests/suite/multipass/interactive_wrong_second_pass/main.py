words = input().split()
print(int(words[-1]) + 1, flush=True)  # does not answer the second pass's way
