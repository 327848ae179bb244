words = input().split()
print(2 * int(words[-1]))
