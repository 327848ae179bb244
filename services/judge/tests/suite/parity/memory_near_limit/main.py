n = int(input())
data = bytearray(n << 20)
for i in range(0, len(data), 4096):
    data[i] = 1
print(len(data) >> 20)
