import os
import random
import secrets
import uuid

print(random.getrandbits(64), random.random(), os.urandom(8).hex(), uuid.uuid4(), secrets.token_hex(8), random.SystemRandom().random())
