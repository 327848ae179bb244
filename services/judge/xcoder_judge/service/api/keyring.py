"""API keys → tenants and roles, parsed from XCODER_JUDGE_API_KEYS (no FastAPI, no I/O).

An entry is `TENANT:ROLES:SECRET` (ROLES joined by `+`; SECRET the key itself or
`sha256:<64 hex digits>` of it), or a bare key, which is its own tenant with the roles every key
had before tenants existed (submit and operator). Keys are held only as SHA-256 digests and a
presented key is compared with every digest in constant time, so neither timing nor a dump of
the process reveals which key matched or what it is. SHA-256 without salt is enough for keys
of 128 random bits or more (what `xcoder-judge hash-key --new` makes); a slow hash would cost
every request and protect only weak keys, which should not be keys.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
from dataclasses import dataclass, field

from xcoder_judge.service.queue.ids import TENANT_PATTERN

HASH_PREFIX = "sha256:"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
# No `_`: the tenant is joined to the RQ job id with `__` (queue/ids.py), which no escaped id holds.
# What a bare key's tenant is called: `key-` and the first digits of its digest (not the key).
_BARE_TENANT_DIGITS = 8


class Role(enum.StrEnum):
    """What a key may do; a key holds one or more (docs/judge-api.md, "Tenants and roles")."""

    submit = "submit"  # judge programs, read its own tenant's submissions
    read = "read"  # read its own tenant's submissions only
    operator = "operator"  # cluster status, capabilities, metrics; no submissions


class KeyConfigError(ValueError):
    """A malformed XCODER_JUDGE_API_KEYS entry; the message names the entry by position only."""


@dataclass(frozen=True, slots=True)
class KeyEntry:
    tenant: str
    roles: frozenset[Role]
    digest: bytes = field(repr=False)  # SHA-256 of the key; never printed


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as: a tenant (None in open mode and on open compat routes) and roles."""

    tenant: str | None
    roles: frozenset[Role]


OPEN = Principal(tenant=None, roles=frozenset(Role))


def hash_key(key: str) -> str:
    """The configuration form of a key's hash: `sha256:<64 lowercase hex digits>`."""
    return HASH_PREFIX + hashlib.sha256(key.encode()).hexdigest()


def digest_of(presented: str) -> bytes:
    return hashlib.sha256(presented.encode()).digest()


@dataclass(frozen=True, slots=True)
class KeyRing:
    entries: tuple[KeyEntry, ...] = ()

    @property
    def open(self) -> bool:
        """No keys configured: every request is served, as one anonymous caller per submission."""
        return not self.entries

    @property
    def tenants(self) -> frozenset[str]:
        return frozenset(e.tenant for e in self.entries)

    def identify(self, presented: str) -> KeyEntry | None:
        """The entry of `presented`, comparing its digest with every entry's in constant time."""
        digest = digest_of(presented)
        found: KeyEntry | None = None
        for entry in self.entries:
            if hmac.compare_digest(digest, entry.digest):
                found = entry
        return found

    @classmethod
    def parse(cls, text: str | None) -> KeyRing:
        """Parse XCODER_JUDGE_API_KEYS; KeyConfigError names a bad entry by position, never its key."""
        if not text:
            return cls()
        entries: list[KeyEntry] = []
        seen: set[bytes] = set()
        raw = [part.strip() for part in text.split(",")]
        for n, item in enumerate((p for p in raw if p), start=1):
            entry = _entry(item, n)
            if entry.digest in seen:
                raise KeyConfigError(f"XCODER_JUDGE_API_KEYS entry {n}: the same key is listed twice")
            seen.add(entry.digest)
            entries.append(entry)
        return cls(tuple(entries))


def _entry(item: str, n: int) -> KeyEntry:
    where = f"XCODER_JUDGE_API_KEYS entry {n}"
    if ":" not in item:
        digest = digest_of(item)
        tenant = "key-" + digest.hex()[:_BARE_TENANT_DIGITS]
        return KeyEntry(tenant=tenant, roles=frozenset({Role.submit, Role.operator}), digest=digest)
    parts = item.split(":", 2)
    if len(parts) != 3 or not parts[2]:
        raise KeyConfigError(f"{where}: expected TENANT:ROLES:KEY or TENANT:ROLES:sha256:<hex>")
    tenant, role_text, secret = parts
    if not TENANT_PATTERN.match(tenant):
        raise KeyConfigError(
            f"{where}: tenant {tenant!r} must be 1-32 of a-z, 0-9 and '-', starting with a letter or digit"
        )
    roles: set[Role] = set()
    for name in role_text.split("+"):
        try:
            roles.add(Role(name.strip()))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise KeyConfigError(f"{where}: unknown role {name!r} (known: {known}; join with '+')") from None
    if secret.startswith(HASH_PREFIX):
        hex_digits = secret[len(HASH_PREFIX) :].lower()
        if not _HEX64.match(hex_digits):
            raise KeyConfigError(
                f"{where}: a hashed key is sha256: and 64 hex digits (`xcoder-judge hash-key` prints one)"
            )
        digest = bytes.fromhex(hex_digits)
    else:
        digest = digest_of(secret)
    return KeyEntry(tenant=tenant, roles=frozenset(roles), digest=digest)
