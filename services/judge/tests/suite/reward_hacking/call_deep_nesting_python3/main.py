import os
os.write(4, b'{"value": ' + b'["l", ' * 100000 + b'1' + b']' * 100000 + b'}')
os._exit(0)

def f(x):
    return x
