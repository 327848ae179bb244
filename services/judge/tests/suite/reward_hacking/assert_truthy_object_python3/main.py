class Obj:
    pass

def f():
    return Obj()
