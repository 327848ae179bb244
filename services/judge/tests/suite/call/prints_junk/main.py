import sys


class Solution:
    def reverse(self, s):
        print("debug: reversing", s)
        print('{"result": "not this"}')
        print("noise on stderr", file=sys.stderr)
        return s[::-1]
