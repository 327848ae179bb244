def f():
    yield 'xcs-{{TOKEN}}'

def g():
    return map(str, [1])
