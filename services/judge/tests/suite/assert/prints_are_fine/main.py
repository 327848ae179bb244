import sys

print('hello')
print('warning', file=sys.stderr)


def add(a, b):
    print('adding', a, b)
    return a + b
