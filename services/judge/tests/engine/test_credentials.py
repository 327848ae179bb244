"""What a judged program holds: no capabilities at all, not even in its bounding set."""

from __future__ import annotations

from xcoder_wire.schemas import Submission, Verdict

STATUS_C = r"""
#include <stdio.h>
#include <string.h>
int main(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "Cap", 3) || !strncmp(line, "NoNewPrivs", 10) || !strncmp(line, "Seccomp:", 8))
            fputs(line, stdout);
    return 0;
}
"""


def test_programs_run_with_no_capabilities_no_new_privs_and_seccomp(suite_engine) -> None:
    for lang, src in (("c", STATUS_C), ("python3", "print(open('/proc/self/status').read())")):
        r = suite_engine.judge(Submission(language=lang, source=src, tests=[{"input": ""}], output="all"))
        assert r.verdict == Verdict.AC, r
        fields = dict(
            (k.strip(), v.strip())
            for k, _, v in (line.partition(":") for line in r.tests[0].stdout.splitlines())
        )
        for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
            assert int(fields[cap], 16) == 0, (lang, cap, fields[cap])
        assert fields["NoNewPrivs"] == "1", lang
        assert fields["Seccomp"] == "2", lang  # filter mode
