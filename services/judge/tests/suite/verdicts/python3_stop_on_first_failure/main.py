n = int(input())
print(n * 2 if n != 2 else 0)
