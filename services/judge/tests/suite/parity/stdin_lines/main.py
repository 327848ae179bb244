import sys

mode = sys.stdin.readline().strip()
if mode == "input":
    while True:
        try:
            line = input()
        except EOFError:
            print("EOF")
            break
        print(repr(line))
elif mode == "prompt":
    print(repr(input("prompt> ")))
elif mode == "read":
    data = sys.stdin.read()
    print(repr(data), len(data))
elif mode == "lines":
    print([repr(x) for x in sys.stdin])
elif mode == "buffer":
    print(repr(sys.stdin.buffer.read()))
elif mode == "fd":
    chunks = []
    while True:
        b = __import__("os").read(0, 7)
        if not b:
            break
        chunks.append(b)
    print(repr(b"".join(chunks)))
elif mode == "open0":
    print(repr(open(0).read()))
else:
    input()
