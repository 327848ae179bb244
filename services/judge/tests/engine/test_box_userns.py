"""The box holds nothing on the host: root of its own user namespace mapped to an unprivileged
host uid (box_creds.py), or, with XCODER_JUDGE_BOX_USERNS=off, host root with five capabilities
and an empty bounding set. Read from outside (/proc/<pid>/...) on real boxes; what a box taken
over could do is tried by a process that joins the box's user namespace as its root."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from xcoder_judge.config import Settings
from xcoder_judge.engine import Engine
from xcoder_judge.engine.sandbox.sandbox import BOX_ROOT_UID_OFFSET
from xcoder_judge.local_cluster import claim_uid_block
from xcoder_wire.schemas import Submission, Verdict

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="boxes are isolated only under root")

CLONE_NEWUSER = 0x10000000
BOX_CAPS = {"DAC_OVERRIDE", "KILL", "SETGID", "SETUID", "SYS_ADMIN"}
BOX_CAP_MASK = (1 << 1) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 21)
CAP_KILL_MASK = 1 << 5


def kernel_allows_userns() -> bool:
    """Whether this process may make a user namespace (a child tries, so nothing here changes)."""
    pid = os.fork()
    if pid == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        os._exit(0 if libc.unshare(CLONE_NEWUSER) == 0 else 1)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


def _engine(tmp: Path, uid: int, mode: str) -> Engine:
    tmp.chmod(0o755)
    settings = Settings(
        slots=1,
        cache_dir=tmp / "cache",
        work_dir=tmp / "work",
        sandbox_uid=uid,
        languages="python3,c",
        self_test=False,
        box_userns=mode,
    )
    engine = Engine(settings)
    engine.start()
    return engine


@pytest.fixture(scope="module")
def uid_base() -> Iterator[int]:
    base, lock = claim_uid_block()
    yield base
    lock.release()


@pytest.fixture(scope="module")
def userns_engine(tmp_path_factory, uid_base) -> Iterator[Engine]:
    if not kernel_allows_userns():
        pytest.skip("this kernel (or its seccomp profile) refuses user namespaces")
    engine = _engine(tmp_path_factory.mktemp("userns"), uid_base, "on")
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def fallback_engine(tmp_path_factory, uid_base) -> Iterator[Engine]:
    engine = _engine(tmp_path_factory.mktemp("fallback"), uid_base + 50, "off")
    yield engine
    engine.close()


def status(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/status") as f:
        return {k: v.strip() for k, _, v in (line.partition(":") for line in f)}


def keeper_and_box(engine: Engine) -> tuple[int, int]:
    slot = engine.sandbox.pool.slots[0]
    if not slot.alive:
        slot.start()
    keeper = slot._proc.pid
    with open(f"/proc/{keeper}/task/{keeper}/children") as f:
        (box,) = map(int, f.read().split())
    return keeper, box


def ids(line: str) -> set[int]:
    return {int(x) for x in line.split()}


def id_map(pid: int, name: str) -> list[tuple[int, int, int]]:
    with open(f"/proc/{pid}/{name}") as f:
        return sorted(tuple(map(int, line.split())) for line in f)


def test_the_box_is_root_of_its_own_user_namespace_as_an_unprivileged_host_uid(userns_engine, uid_base):
    keeper, box = keeper_and_box(userns_engine)
    host_root = uid_base + BOX_ROOT_UID_OFFSET
    st = status(box)
    assert ids(st["Uid"]) == {host_root} and ids(st["Gid"]) == {host_root}, st["Uid"]
    assert st["Groups"] == ""  # the worker's groups did not follow it in
    assert st["NSpid"].split()[-1] == "1"  # still PID 1 of its PID namespace
    assert os.readlink(f"/proc/{box}/ns/user") != os.readlink("/proc/self/ns/user")
    main, aux = uid_base, uid_base + 10000
    expected = [(0, host_root, 1), (main, main, 1), (aux, aux, 1)]
    assert id_map(box, "uid_map") == expected and id_map(box, "gid_map") == expected
    assert int(st["CapEff"], 16) == BOX_CAP_MASK and int(st["CapBnd"], 16) == 0
    # the keeper, outside, has dropped to that same host uid with no capability at all
    kst = status(keeper)
    assert ids(kst["Uid"]) == {host_root} and int(kst["CapEff"], 16) == 0 and int(kst["CapPrm"], 16) == 0
    assert os.readlink(f"/proc/{keeper}/ns/user") == os.readlink("/proc/self/ns/user")


def test_capabilities_report_the_user_namespace(userns_engine):
    caps = userns_engine.capabilities()
    assert caps.box_userns is True and caps.box_userns_reason is None
    assert set(caps.box_capabilities) == BOX_CAPS
    assert caps.level == "full"


# Run as a fresh process (setns needs a single thread): join the box's user namespace as its
# root, with every capability there (more than the box keeps), and try the host.
TAKEOVER = textwrap.dedent(
    """
    import ctypes, errno, json, os, signal, sys
    box, secret, victim = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("/proc/%d/ns/user" % box, os.O_RDONLY)
    assert libc.setns(fd, 0x10000000) == 0, os.strerror(ctypes.get_errno())
    os.setgroups([]); os.setresgid(0, 0, 0); os.setresuid(0, 0, 0)
    out = {"uid": os.getuid(), "caps": open("/proc/self/status").read().split("CapEff:")[1].split()[0]}
    def attempt(name, fn):
        try:
            fn()
            out[name] = "done"
        except OSError as e:
            out[name] = errno.errorcode[e.errno]
    attempt("read_root_file", lambda: open(secret).read())
    attempt("write_root_file", lambda: open(secret, "w").write("x"))
    attempt("kill_other_uid", lambda: os.kill(victim, signal.SIGKILL))
    attempt("kill_worker", lambda: os.kill(os.getppid(), 0))
    attempt("host_hostname", lambda: open("/proc/sys/kernel/hostname", "w").write("owned"))
    attempt("chown_root_file", lambda: os.chown(secret, 0, 0))
    def mount():
        if libc.mount(b"none", b"/mnt", b"tmpfs", 0, None) != 0:
            raise OSError(ctypes.get_errno(), "mount")
    attempt("host_mount", mount)
    print(json.dumps(out))
    """
)


def test_a_box_taken_over_can_do_nothing_on_the_host(userns_engine, tmp_path):
    import json

    _, box = keeper_and_box(userns_engine)
    secret = tmp_path / "root-only"
    secret.write_text("the worker's secret")
    secret.chmod(0o600)
    tmp_path.chmod(0o755)
    victim = subprocess.Popen(["sleep", "60"], user=65534)  # a host process of another uid
    try:
        out = subprocess.run(
            [sys.executable, "-c", TAKEOVER, str(box), str(secret), str(victim.pid)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        got = json.loads(out.stdout)
        assert got["uid"] == 0 and int(got["caps"], 16) != 0  # root, with capabilities, in there
        assert got["read_root_file"] == "EACCES" and got["write_root_file"] == "EACCES"
        assert got["chown_root_file"] in ("EPERM", "EACCES")
        assert got["kill_other_uid"] == "EPERM" and got["kill_worker"] == "EPERM"
        assert got["host_hostname"] == "EACCES"
        assert got["host_mount"] == "EPERM"
        assert victim.poll() is None and secret.read_text() == "the worker's secret"
    finally:
        victim.kill()
        victim.wait()


INTERACTOR = r"""
import sys
print("probe", flush=True)
sys.exit(0 if input() == "hidden" else 1)
"""

# Beside an interactor: the slot's copies of programs (/.xcoder-progs, root's alone: 0700 when
# visible) and /aux must be out of reach.
SNOOP = r"""
import os
input()
store = os.stat("/.xcoder-progs").st_mode & 0o777
print("hidden" if store != 0o700 and os.listdir("/aux") == [] else "seen %o %s" % (store, os.listdir("/aux")))
"""
SNOOP_C = r"""
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
int main(void) {
    char line[64];
    struct stat st;
    if (!fgets(line, sizeof line, stdin) || stat("/.xcoder-progs", &st)) return 1;
    DIR *d = opendir("/aux");
    int entries = 0;
    for (struct dirent *e; d && (e = readdir(d));) entries += e->d_name[0] != '.';
    printf((st.st_mode & 0777) != 0700 && d && !entries ? "hidden\n" : "seen\n");
    return 0;
}
"""


@pytest.mark.parametrize("engine_name", ["userns_engine", "fallback_engine"])
def test_programs_still_run_and_the_interactors_side_stays_hidden(engine_name, request):
    engine = request.getfixturevalue(engine_name)
    for lang, src in (("c", '#include <stdio.h>\nint main(){puts("hi");}'), ("python3", "print('hi')")):
        r = engine.judge(Submission(language=lang, source=src, tests=[{"input": "", "expected": "hi"}]))
        assert r.verdict == Verdict.AC, r
    for lang, src in (("python3", SNOOP), ("c", SNOOP_C)):  # warm Python's path, the C launcher's
        sub = Submission(
            language=lang,
            source=src,
            tests=[{"input": ""}],
            interactor={"language": "python3", "source": INTERACTOR},
        )
        r = engine.judge(sub)
        assert r.verdict == Verdict.AC, (lang, r.tests[0])


def test_the_fallback_keeps_five_capabilities_and_no_bounding_set(fallback_engine, uid_base):
    keeper, box = keeper_and_box(fallback_engine)
    st = status(box)
    assert ids(st["Uid"]) == {0}
    assert os.readlink(f"/proc/{box}/ns/user") == os.readlink("/proc/self/ns/user")
    assert int(st["CapEff"], 16) == BOX_CAP_MASK and int(st["CapPrm"], 16) == BOX_CAP_MASK
    assert int(st["CapBnd"], 16) == 0
    kst = status(keeper)  # the keeper is the box's unprivileged host uid with CAP_KILL alone
    assert (
        ids(kst["Uid"]) == {uid_base + 50 + BOX_ROOT_UID_OFFSET} and int(kst["CapEff"], 16) == CAP_KILL_MASK
    )
    caps = fallback_engine.capabilities()
    assert caps.box_userns is False and set(caps.box_capabilities) == BOX_CAPS
    assert "XCODER_JUDGE_BOX_USERNS=off" in caps.box_userns_reason


def test_the_setting_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("XCODER_JUDGE_BOX_USERNS", "off")
    assert Settings().box_userns == "off"
    monkeypatch.setenv("XCODER_JUDGE_BOX_USERNS", "sometimes")
    with pytest.raises(ValueError):
        Settings()


REPO = Path(__file__).resolve().parents[4]
SECCOMP_EXEC = REPO / "tests" / "deploy" / "seccomp_exec.py"
WORKER_PROFILE = REPO / "docker" / "seccomp" / "judge-worker.json"
# A program that tries to make a user namespace (clone, then unshare): prints each result and errno.
NEWUSER_PROGRAM = textwrap.dedent(
    """
    import ctypes, os
    libc = ctypes.CDLL(None, use_errno=True)
    nr_clone = 220 if os.uname().machine == "aarch64" else 56
    pid = libc.syscall(nr_clone, 0x10000000 | 17, 0, 0, 0, 0)
    if pid == 0:
        os._exit(0)
    print(min(pid, 0), ctypes.get_errno() if pid < 0 else 0)
    r = libc.unshare(0x10000000)
    print(r, ctypes.get_errno() if r else 0)
    """
)
UNDER_PROFILE = textwrap.dedent(
    """
    import json, sys
    from xcoder_judge.config import Settings
    from xcoder_judge.engine import Engine
    from xcoder_wire.schemas import Submission
    root, uid, program = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    e = Engine(Settings(slots=1, sandbox_uid=uid, cache_dir=root + "/cache", work_dir=root + "/work",
                        languages="python3", self_test=False))
    e.start()
    r = e.judge(Submission(language="python3", source=program, tests=[{"input": ""}], output="all"))
    out = e.capabilities().model_dump()
    out["program_stdout"] = r.tests[0].stdout
    print(json.dumps(out))
    e.close()
    """
)


def _engine_under(profile: Path, tmp_path: Path, uid: int) -> dict:
    """Start an engine (auto) under a seccomp profile, as a container runtime would load it; run
    NEWUSER_PROGRAM there; return its capabilities and the program's output."""
    import json

    tmp_path.chmod(0o755)
    argv = [sys.executable, str(SECCOMP_EXEC), str(profile), "--", sys.executable, "-c", UNDER_PROFILE]
    out = subprocess.run(
        [*argv, str(tmp_path), str(uid), NEWUSER_PROGRAM], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.splitlines()[-1])


def test_under_the_worker_profile_the_box_gets_its_user_namespace_and_programs_do_not(tmp_path, uid_base):
    """docker/seccomp/judge-worker.json allows CLONE_NEWUSER for the box; the judge's own filter
    still refuses it to the programs (EPERM for both unshare and clone)."""
    if not kernel_allows_userns():
        pytest.skip("this kernel refuses user namespaces")
    caps = _engine_under(WORKER_PROFILE, tmp_path, uid_base + 70)
    assert caps["box_userns"] is True and caps["box_userns_reason"] is None, caps["box_userns_reason"]
    assert set(caps["box_capabilities"]) == BOX_CAPS
    assert caps["program_stdout"].split() == ["-1", "1", "-1", "1"], caps["program_stdout"]


def test_under_a_profile_that_refuses_user_namespaces_the_box_falls_back_and_says_why(tmp_path, uid_base):
    """The worker profile plus the rule of Docker's default profile: no CLONE_NEWUSER."""
    import json

    profile = json.loads(WORKER_PROFILE.read_text())
    profile["syscalls"].append(
        {
            "comment": "no new user namespaces",
            "names": ["unshare", "clone"],
            "action": "SCMP_ACT_ERRNO",
            "errnoRet": 1,
            "args": [
                {"index": 0, "value": CLONE_NEWUSER, "valueTwo": CLONE_NEWUSER, "op": "SCMP_CMP_MASKED_EQ"}
            ],
        }
    )
    refusing = tmp_path / "refusing.json"
    refusing.write_text(json.dumps(profile))
    (tmp_path / "engine").mkdir()
    caps = _engine_under(refusing, tmp_path / "engine", uid_base + 75)
    assert caps["box_userns"] is False and set(caps["box_capabilities"]) == BOX_CAPS
    assert "refused a user namespace" in caps["box_userns_reason"] and "seccomp" in caps["box_userns_reason"]
    assert any("no user namespace" in w for w in caps["warnings"])
    assert caps["program_stdout"].split() == ["-1", "1", "-1", "1"], caps["program_stdout"]


def _unmappable(monkeypatch) -> None:
    """Plans a map the kernel refuses to write (inside uid 1 -> host uid 2**32-1, which no
    namespace maps): the keeper's write fails as it would without CAP_SETUID/CAP_SETGID."""
    from xcoder_judge.engine.sandbox.sandbox import Sandbox

    plan = Sandbox._userns_plan

    def bad_plan(self, index, uids, cgroups):
        out = plan(self, index, uids, cgroups)
        if "map" in out:
            out["map"] = {**out["map"], 1: 2**32 - 1}
        return out

    monkeypatch.setattr(Sandbox, "_userns_plan", bad_plan)


def test_auto_falls_back_when_the_keeper_cannot_write_the_maps(monkeypatch, tmp_path, uid_base):
    if not kernel_allows_userns():
        pytest.skip("this kernel (or its seccomp profile) refuses user namespaces")
    _unmappable(monkeypatch)
    engine = _engine(tmp_path, uid_base + 80, "auto")
    try:
        keeper, box = keeper_and_box(engine)
        st = status(box)
        assert ids(st["Uid"]) == {0} and int(st["CapEff"], 16) == BOX_CAP_MASK
        assert os.readlink(f"/proc/{box}/ns/user") == os.readlink("/proc/self/ns/user")
        assert int(status(keeper)["CapEff"], 16) == CAP_KILL_MASK
        caps = engine.capabilities()
        assert caps.box_userns is False and set(caps.box_capabilities) == BOX_CAPS
        assert "could not write the box's id maps" in caps.box_userns_reason
        assert any("no user namespace" in w for w in caps.warnings)
        r = engine.judge(
            Submission(language="python3", source="print('hi')", tests=[{"input": "", "expected": "hi"}])
        )
        assert r.verdict == Verdict.AC, r
        engine.sandbox.pool.slots[0].kill()  # a restarted box goes straight to the fallback
        keeper_and_box(engine)
        assert "map" not in engine.sandbox.pool.slots[0].userns_plan
    finally:
        engine.close()


def test_on_refuses_to_start_when_the_keeper_cannot_write_the_maps(monkeypatch, tmp_path, uid_base):
    from xcoder_judge.engine.sandbox.slot import SlotError

    if not kernel_allows_userns():
        pytest.skip("this kernel (or its seccomp profile) refuses user namespaces")
    _unmappable(monkeypatch)
    with pytest.raises(SlotError, match="could not write the box's id maps"):
        _engine(tmp_path, uid_base + 90, "on")
