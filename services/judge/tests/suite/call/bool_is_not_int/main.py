def count(xs):
    return len(xs) > 0  # returns True where the count 1 is expected
