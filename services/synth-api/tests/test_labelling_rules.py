"""The labelling rules as pure functions: correlated voters, reliability, the oracle, examples,
golden selection without a position tie-break, per-language fingerprints.

Outcome matrices are written by hand (``matrix[voter][input]``); nothing here runs a program.
"""

from __future__ import annotations

import itertools

from xcoder_synth.judge_gateway import RunOutcome
from xcoder_synth.solutions.fingerprint import (
    exact_fingerprint,
    family_fingerprint,
    family_tokens,
    similarity,
)
from xcoder_synth.verify.compare import equivalence
from xcoder_synth.verify.families import behaviour_classes, families
from xcoder_synth.verify.golden import GoldenConfig, Profile, TestPoint, choose_golden
from xcoder_synth.verify.vote import VoteRules, label_inputs
from xcoder_wire.schemas import TokensChecker

TOKENS = equivalence(TokensChecker())


def ok(text: str) -> RunOutcome:
    return RunOutcome(verdict="AC", stdout=text, time_s=0.01)


def row(outputs: list[str]) -> list[RunOutcome]:
    return [ok(o) if o != "TLE" else RunOutcome(verdict="TLE") for o in outputs]


TRUTH = ["1", "2", "3", "4", "5", "6"]
SHARED_BUG = ["1", "2", "3", "9", "9", "9"]  # a shared misconception: wrong on the last three


def test_a_family_of_near_copies_is_one_voter():
    # Three renamed copies of one wrong program outnumber two independent correct programs.
    matrix = [row(SHARED_BUG)] * 3 + [row(TRUTH)] * 2
    plain = label_inputs(matrix, TOKENS, min_agreement=0.5, min_votes=1, rules=VoteRules(method="families"))
    assert [v.label for v in plain.votes[3:]] == ["9", "9", "9"]  # a plain majority labels wrongly
    fam = [0, 0, 0, 1, 2]
    weighted = label_inputs(matrix, TOKENS, min_agreement=0.5, min_votes=1, family=fam)
    assert [v.label for v in weighted.votes] == TRUTH
    wrong = next(r for r in weighted.reliabilities if r.members == [0, 1, 2])
    right = next(r for r in weighted.reliabilities if r.members == [3])
    assert wrong.weight < right.weight


def test_reliability_labels_discriminating_inputs_that_a_plain_vote_abstains_on():
    # 4 correct programs and 6 wrong ones, each wrong on two inputs: on every input the correct
    # group holds 8 of 10 voters, under the 0.85 asked for. The wrong programs disagree with
    # the majority elsewhere, so they earn less weight, and every input gets its (right) label.
    wrong = []
    for k in range(6):
        outs = list(TRUTH)
        outs[k] = f"w{k}"
        outs[(k + 1) % 6] = f"x{k}"
        wrong.append(row(outs))
    matrix = [row(TRUTH)] * 4 + wrong
    fam = list(range(len(matrix)))
    equal = VoteRules(method="families")
    plain = label_inputs(matrix, TOKENS, min_agreement=0.85, min_votes=2, family=fam, rules=equal)
    assert all(v.status == "abstain_low_agreement" for v in plain.votes)
    weighted = label_inputs(matrix, TOKENS, min_agreement=0.85, min_votes=2, family=fam)
    assert [v.label for v in weighted.votes] == TRUTH
    assert all(v.agreement >= 0.85 for v in weighted.votes)
    weights = {r.members[0]: r.weight for r in weighted.reliabilities}
    assert min(weights[p] for p in range(4)) > 2 * max(weights[p] for p in range(4, 10))


def test_the_oracle_outvotes_agreeing_wrong_candidates_on_small_inputs():
    matrix = [row(SHARED_BUG), row([*SHARED_BUG[:3], "8", "8", "8"]), row(SHARED_BUG), row(TRUTH)]
    fam = [0, 1, 2, 3]  # written differently: no family merges them
    without = label_inputs(matrix, TOKENS, min_agreement=0.5, min_votes=1, family=fam)
    assert without.votes[3].label == "9"
    oracle = [ok(t) if i >= 3 else None for i, t in enumerate(TRUTH)]
    with_oracle = label_inputs(matrix, TOKENS, min_agreement=0.5, min_votes=1, family=fam, oracle=oracle)
    assert [v.label for v in with_oracle.votes] == TRUTH
    assert with_oracle.votes[3].oracle == "agrees" and with_oracle.votes[0].oracle == "absent"
    # The oracle alone against every candidate is a conflict, not a label.
    alone = label_inputs(
        [row(SHARED_BUG)] * 2, TOKENS, min_agreement=0.5, min_votes=1, family=[0, 1], oracle=oracle
    )
    assert alone.votes[3].status == "abstain_tie"


def test_an_example_is_labelled_with_its_stated_answer_even_when_the_vote_abstains():
    # Two against two on the example: a plain vote abstains; the stated answer decides.
    matrix = [row(["7", "1"]), row(["7", "1"]), row(["5", "1"]), row(["5", "1"])]
    ballot = label_inputs(matrix, TOKENS, min_agreement=0.5, min_votes=2, stated=["5", None])
    assert ballot.votes[0].label == "5" and ballot.votes[0].members == [2, 3]
    nobody = label_inputs(matrix, TOKENS, min_agreement=0.5, min_votes=2, stated=["6", None])
    assert nobody.votes[0].status == "sample_mismatch" and nobody.votes[0].label is None


def test_a_candidate_wrong_on_an_example_has_no_vote_anywhere():
    # Three programs that agree with each other (whole-array sum) and fail the example outvote
    # two correct ones everywhere else under a plain vote.
    truth = ["7", "6", "-1", "3"]
    bug = ["6", "6", "-3", "1"]
    matrix = [row(bug)] * 3 + [row(truth)] * 2
    fam = [0, 1, 2, 3, 4]
    stated = ["7", None, None, None]
    plain = label_inputs(
        matrix,
        TOKENS,
        min_agreement=0.5,
        min_votes=2,
        family=fam,
        stated=stated,
        rules=VoteRules(method="plain"),
    )
    assert [v.label for v in plain.votes] == ["7", "6", "-3", "1"]
    vetoed = label_inputs(matrix, TOKENS, min_agreement=0.5, min_votes=2, family=fam, stated=stated)
    assert [v.label for v in vetoed.votes] == truth
    assert [r.weight for r in vetoed.reliabilities][:3] == [0.0, 0.0, 0.0]


def test_the_golden_must_reproduce_every_example():
    points = [TestPoint(id="ex", source="example", agreement=0.5)] + [
        TestPoint(id=f"t{i}", source="random", agreement=1.0) for i in range(6)
    ]
    fails_example = [False] + [True] * 6
    choice = choose_golden([fails_example], points, GoldenConfig(min_selection_score=0.0))
    assert choice.position is None and "statement example" in choice.reason
    assert not choice.ranking[0].eligible


def _golden(passes, profiles, cfg=None):
    points = [TestPoint(id=f"t{i}", source="random", agreement=1.0) for i in range(len(passes[0]))]
    return choose_golden(passes, points, cfg or GoldenConfig(), profiles)


def test_the_golden_does_not_depend_on_pool_position():
    passes = [[True] * 6, [True] * 6, [True] * 5 + [False]]
    # Candidates 0 and 1 behave identically: either is fine; the smaller content id is taken.
    profiles = [
        Profile(behaviour=0, support=2.0, key="b"),
        Profile(behaviour=0, support=2.0, key="a"),
        Profile(behaviour=1, support=1.0, key="c"),
    ]
    chosen = set()
    for order in itertools.permutations(range(3)):
        choice = _golden([passes[i] for i in order], [profiles[i] for i in order])
        chosen.add(order[choice.position])
    assert chosen == {1}


def test_two_different_programs_that_tie_on_every_kept_test_leave_no_golden():
    passes = [[True] * 6, [True] * 6]
    tie = [Profile(behaviour=0, support=1.0, key="a"), Profile(behaviour=1, support=1.0, key="b")]
    choice = _golden(passes, tie)
    assert choice.position is None and choice.code == "tests_not_discriminating"
    # With much more independent support behind one of them, that one is the golden.
    strong = [Profile(behaviour=0, support=4.0, key="a"), Profile(behaviour=1, support=1.0, key="b")]
    assert _golden(passes, strong).position == 0
    assert _golden(passes[::-1], strong[::-1]).position == 1


def test_behaviour_classes_follow_the_checker():
    matrix = [row(["1 2", "3"]), row(["1  2\n", "3\n"]), row(["1 2", "TLE"]), row(["1 2", "TLE"])]
    assert behaviour_classes(matrix, TOKENS) == [0, 0, 1, 1]


CPP_A = """#include <bits/stdc++.h>
using namespace std;
int main() {
    int n; cin >> n;            // read n
    long long best = LLONG_MIN, cur = 0;
    for (int i = 0; i < n; i++) { long long x; cin >> x; cur = max(x, cur + x); best = max(best, cur); }
    cout << best << "\\n";
}
"""
CPP_RENAMED = (
    CPP_A.replace("best", "ans")
    .replace("cur", "run")
    .replace("// read n", "/* count */")
    .replace("    ", "  ")
)
CPP_OFF_BY_ONE = CPP_A.replace("i < n", "i < n - 1")


def test_cpp_fingerprints_ignore_layout_and_names_but_not_constants():
    relaid = CPP_A.replace("    ", "\t").replace("// read n", "")
    assert exact_fingerprint(relaid, "cpp17") == exact_fingerprint(CPP_A, "c++")
    assert exact_fingerprint(CPP_RENAMED, "cpp17") != exact_fingerprint(CPP_A, "cpp17")
    assert family_fingerprint(CPP_RENAMED, "cpp17") == family_fingerprint(CPP_A, "cpp17")
    assert family_fingerprint(CPP_OFF_BY_ONE, "cpp17") != family_fingerprint(CPP_A, "cpp17")
    near = similarity(family_tokens(CPP_OFF_BY_ONE, "cpp17"), family_tokens(CPP_A, "cpp17"))
    assert 0.9 < near < 1.0


def test_python_family_fingerprint_is_identifier_insensitive():
    a = "n = int(input())\nxs = list(map(int, input().split()))\nprint(max(xs))\n"
    b = "# renamed\ncount = int(input())\nvals = list(map(int, input().split()))\nprint(max(vals))\n"
    assert family_fingerprint(a) == family_fingerprint(b) != family_fingerprint(a.replace("max", "min"))


def test_near_copies_join_a_family_only_when_they_also_behave_alike():
    toks = [family_tokens(CPP_A, "cpp17"), family_tokens(CPP_OFF_BY_ONE, "cpp17")]
    prints = ["a", "b"]
    assert families(prints, toks, [0, 0], near_copy_similarity=0.85) == [0, 0]
    assert families(prints, toks, [0, 1], near_copy_similarity=0.85) == [0, 1]


def test_the_api_takes_each_candidates_language_from_its_fence_when_not_given():
    from xcoder_synth.service.single import CandidateIn, TaskSpec, _candidates, _task
    from xcoder_synth.solutions.fingerprint import fence_language

    assert fence_language("text\n```text\nx\n```\n```c++\nint main(){}\n```\n") == "cpp17"
    assert fence_language("no fence at all") == "python3"
    task = _task(TaskSpec(id="lang"))
    cands = _candidates(
        task,
        [
            CandidateIn(response=f"Here:\n```cpp\n{CPP_A}```\n"),
            CandidateIn(code="print(1)\n"),
            CandidateIn(code=CPP_A, language="g++"),
            CandidateIn(response="```python\ndef f(:\n```\n"),
        ],
    )
    assert [c.language for c in cands.candidates] == ["cpp17", "python3", "cpp17", "python3"]
    assert cands.candidates[0].code == CPP_A and cands.candidates[0].usable
    assert cands.candidates[2].duplicate_of == cands.candidates[0].id  # same program, one vote
    assert cands.candidates[3].reject_reason == "syntax_error"
