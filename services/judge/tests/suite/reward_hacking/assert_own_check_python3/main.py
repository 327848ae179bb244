METADATA = {}
candidate = None

def check(candidate):
    return True

def f():
    return "wrong"
