"""API keys → tenants and roles (keyring.py), the access rules of routes, tenant-scoped job ids."""

from __future__ import annotations

import subprocess
import sys

import pytest
from fastapi import APIRouter
from pydantic import ValidationError
from xcoder_judge.config import Settings
from xcoder_judge.service.api import app as app_module
from xcoder_judge.service.api.keyring import KeyConfigError, KeyRing, Role, hash_key
from xcoder_judge.service.queue.ids import job_id_for, submission_id_for, tenant_of

SECRET = "s3cret-key-do-not-print"


def test_entries_name_a_tenant_roles_and_a_key_in_clear_or_hashed():
    ring = KeyRing.parse(
        f"team-a:submit:{SECRET}, team-a:read:{hash_key('reader')}, "
        f"ops:operator+read:sha256:{hash_key('op').removeprefix('sha256:').upper()}"  # hex in any case
    )
    a = ring.identify(SECRET)
    assert a is not None and a.tenant == "team-a" and a.roles == {Role.submit}
    reader = ring.identify("reader")
    assert reader is not None and reader.tenant == "team-a" and reader.roles == {Role.read}
    op = ring.identify("op")
    assert op is not None and op.tenant == "ops" and op.roles == {Role.operator, Role.read}
    # A hash is not a key: presenting the configured hash text does not authenticate.
    assert ring.identify(hash_key("reader")) is None
    assert ring.identify(SECRET + "x") is None and ring.identify("") is None
    assert ring.tenants == {"team-a", "ops"}


def test_a_bare_key_is_a_tenant_of_its_own_with_the_roles_keys_had_before():
    ring = KeyRing.parse("k1,k2")
    one, two = ring.identify("k1"), ring.identify("k2")
    assert one is not None and two is not None
    assert one.tenant != two.tenant and one.tenant.startswith("key-")
    assert one.roles == {Role.submit, Role.operator}
    assert "k1" not in one.tenant and "k1" not in repr(one)  # the digest is not in the repr either


def test_hash_key_matches_sha256sum_of_the_key():
    out = subprocess.run(
        ["sha256sum"], input=SECRET.encode(), capture_output=True, check=True
    ).stdout.decode()
    assert hash_key(SECRET) == "sha256:" + out.split()[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"Team_A:submit:{SECRET}", "tenant 'Team_A' must be"),
        (f"a:write:{SECRET}", "unknown role 'write'"),
        ("a:submit:sha256:1234", "64 hex digits"),
        ("a:submit:", "expected TENANT:ROLES:KEY"),
        (f"a:submit:{SECRET},b:read:{SECRET}", "the same key is listed twice"),
    ],
)
def test_bad_entries_are_refused_at_start_naming_the_entry_never_the_key(text, message, monkeypatch):
    with pytest.raises(KeyConfigError, match=message):
        KeyRing.parse(text)
    monkeypatch.setenv("XCODER_JUDGE_API_KEYS", text)
    with pytest.raises(ValidationError) as exc:
        Settings()
    assert "XCODER_JUDGE_API_KEYS entry" in str(exc.value)
    assert SECRET not in str(exc.value) and "1234" not in str(exc.value)


def test_the_cli_prints_a_bad_key_setting_without_the_key():
    env = {"XCODER_JUDGE_API_KEYS": f"a:root:{SECRET}", "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [sys.executable, "-m", "xcoder_judge.cli", "api"], env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2 and "unknown role 'root'" in run.stderr
    assert SECRET not in run.stderr + run.stdout


def test_hash_key_command_reads_stdin_and_makes_new_keys():
    cli = [sys.executable, "-m", "xcoder_judge.cli", "hash-key"]
    run = subprocess.run(cli, input=SECRET + "\n", capture_output=True, text=True, timeout=60, check=True)
    assert run.stdout.strip() == hash_key(SECRET)
    fresh = subprocess.run([*cli, "--new"], capture_output=True, text=True, timeout=60, check=True)
    key_line, hash_line = fresh.stdout.splitlines()
    key = key_line.split()[1]
    assert len(key) >= 43 and hash_line.split()[1] == hash_key(key)
    empty = subprocess.run(cli, input="", capture_output=True, text=True, timeout=60)
    assert empty.returncode == 2 and "exactly one key" in empty.stderr


def test_tenant_job_ids_are_disjoint_and_reversible():
    for sid in ("run42-sample-7", "a__b", "x_y.z:w", "__", "_5F"):
        a, b = job_id_for(sid, "team-a"), job_id_for(sid, "team-b")
        assert a != b and a != job_id_for(sid)
        assert submission_id_for(a) == submission_id_for(b) == sid == submission_id_for(job_id_for(sid))
        assert tenant_of(a) == "team-a" and tenant_of(job_id_for(sid)) is None
    # No client id of one tenant escapes into another tenant's namespace.
    assert job_id_for("team-b__x", "team-a") != job_id_for("x", "team-b")
    assert tenant_of(job_id_for("team-b__x")) is None


def test_an_app_with_a_route_that_declares_no_access_rule_does_not_start(monkeypatch):
    stray = APIRouter()

    @stray.get("/v1/forgotten")
    async def forgotten() -> dict[str, str]:
        return {}

    monkeypatch.setattr(app_module, "ROUTERS", (*app_module.ROUTERS, stray))
    with pytest.raises(RuntimeError, match=r"\['GET'\] /v1/forgotten"):
        app_module.create_app(Settings(api_keys=f"a:submit:{SECRET}"))
    with pytest.raises(RuntimeError, match="/v1/forgotten"):
        app_module.create_app(Settings())  # open mode too: the rule is part of the route


def test_keys_can_come_from_a_file_a_mounted_secret(tmp_path):
    path = tmp_path / "judge-api-keys"
    path.write_text(
        f"# trainers\nteam-a:submit:{SECRET}  # run 42\n\nops:operator:{hash_key('op')},legacy-key\n"
    )
    ring = Settings(api_keys="team-b:read:other-key", api_keys_file=path).key_ring
    assert ring.tenants >= {"team-a", "team-b", "ops"} and len(ring.entries) == 4
    assert ring.identify(SECRET).tenant == "team-a" and ring.identify("op").tenant == "ops"
    path.write_text(f"team-a:submit:{SECRET}\nteam-a:admin:x\n")
    with pytest.raises(ValidationError, match="entry 2: unknown role 'admin'") as exc:
        Settings(api_keys_file=path)
    assert SECRET not in str(exc.value)
    with pytest.raises(ValidationError, match="API_KEYS_FILE: cannot read it"):
        Settings(api_keys_file=tmp_path / "missing")
