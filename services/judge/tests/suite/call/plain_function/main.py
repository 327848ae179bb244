def add(a, b, scale=1):
    return (a + b) * scale
