"""The one code extractor: which program in a response gets judged."""

from __future__ import annotations

import pytest
from xcoder_client.extract import ExtractStatus, extract_code

F = "```"


def test_last_block_of_the_target_language_wins_over_earlier_drafts():
    text = f"Draft:\n{F}python\nprint('draft')\n{F}\nBetter:\n{F}python\nprint('final')\n{F}\nDone."
    got = extract_code(text)
    assert got.status is ExtractStatus.ok and got.code == "print('final')\n"
    assert got.blocks == 2


@pytest.mark.parametrize("tag", ["python", "py", "Python3", "PY3", "python title='a.py'", "{.python}"])
def test_python_aliases(tag):
    assert extract_code(f"{F}{tag}\nx = 1\n{F}").code == "x = 1\n"


@pytest.mark.parametrize(
    ("language", "tag"),
    [
        ("cpp", "c++"),
        ("cpp", "cpp17"),
        ("c++", "cpp"),
        ("cpp20", "cc"),
        ("java", "java"),
        ("go", "golang"),
        ("rust", "rs"),
        ("js", "node"),
        ("kotlin", "kt"),
        ("c#", "csharp"),
        ("ts", "typescript"),
        ("haskell", "hs"),
        ("pascal", "delphi"),
        ("ruby", "rb"),
        ("bash", "sh"),
        ("lua", "lua"),
    ],
)
def test_other_language_aliases(language, tag):
    got = extract_code(f"{F}{tag}\nint main() {{}}\n{F}", language)
    assert got.ok and got.code == "int main() {}\n"


def test_blocks_in_other_languages_are_never_used():
    text = f"{F}python\nprint(input())\n{F}\nExample:\n{F}text\n3\n{F}\n{F}bash\npython a.py\n{F}"
    assert extract_code(text).code == "print(input())\n"
    assert extract_code(f"{F}cpp\nint main(){{}}\n{F}").status is ExtractStatus.no_code


def test_tagged_block_beats_a_later_untagged_one():
    text = f"{F}python\nprint(2)\n{F}\nOutput:\n{F}\n2\n{F}"
    assert extract_code(text).code == "print(2)\n"


def test_untagged_block_is_used_when_no_tagged_one_exists():
    assert extract_code(f"Here:\n{F}\nprint(5)\n{F}\n").code == "print(5)\n"


def test_no_fence_means_no_code_never_the_whole_response():
    got = extract_code("print(1)\nThis is my answer.")
    assert got.code is None and got.status is ExtractStatus.no_code and got.blocks == 0


def test_unterminated_final_block_is_reported_not_judged():
    text = f"{F}python\nprint('ok')\n{F}\nNow improved:\n{F}python\nfor i in range(10):\n    print(i"
    got = extract_code(text)
    assert got.code is None and got.status is ExtractStatus.unterminated
    relaxed = extract_code(text, allow_unterminated=True)
    assert relaxed.status is ExtractStatus.unterminated and relaxed.code.startswith("for i in range(10):")


def test_closing_fence_glued_to_the_last_code_line():
    assert extract_code(f"{F}python\nprint(1)\nprint(2){F}\nbye").code == "print(1)\nprint(2)\n"


def test_think_sections_are_ignored():
    text = f"<think>\nMaybe:\n{F}python\nprint('draft')\n{F}\n</think>\nFinal answer:\n{F}python\nprint('real')\n{F}"
    assert extract_code(text).code == "print('real')\n"


def test_code_only_inside_think_is_no_code():
    text = f"<think>\n{F}python\nprint('draft')\n{F}\n</think>\nI could not solve it."
    assert extract_code(text).status is ExtractStatus.no_code


def test_leading_close_tag_when_think_was_in_the_prompt():
    text = f"{F}python\nprint('draft')\n{F}\nhmm</think>\n{F}python\nprint('answer')\n{F}"
    assert extract_code(text).code == "print('answer')\n"
    only_draft = f"{F}python\nprint('draft')\n{F}\n</think>\nNo idea."
    assert extract_code(only_draft).code is None


def test_response_cut_off_while_thinking():
    text = f"<think>\nLet me write\n{F}python\nprint(1)\n{F}\nand check"
    got = extract_code(text)
    assert got.code is None and got.status is ExtractStatus.unfinished_think


def test_several_think_sections_interleaved_with_answers():
    text = (
        f"<think>a</think>\n{F}python\nprint('first answer')\n{F}\n"
        f"<think>wait, a bug\n{F}python\nprint('draft2')\n{F}\n</think>\n{F}python\nprint('second answer')\n{F}"
    )
    assert extract_code(text).code == "print('second answer')\n"


def test_indented_fence_is_dedented():
    text = f"1. Solution:\n   {F}python\n   def f():\n       return 1\n   {F}\n"
    assert extract_code(text).code == "def f():\n    return 1\n"


def test_longer_fence_can_contain_a_shorter_one():
    text = f"````python\ns = '''\n{F}\n'''\nprint(s)\n````"
    assert extract_code(text).code == f"s = '''\n{F}\n'''\nprint(s)\n"


def test_tilde_fences():
    assert extract_code("~~~python\nprint(3)\n~~~").code == "print(3)\n"


def test_inline_triple_backticks_are_not_a_fence():
    text = f"Use {F}print(x){F} inline.\n{F}python\nprint(9)\n{F}"
    assert extract_code(text).code == "print(9)\n"


def test_empty_block():
    got = extract_code(f"{F}python\n\n   \n{F}")
    assert got.code is None and got.status is ExtractStatus.empty


def test_nul_byte_is_invalid():
    got = extract_code(f"{F}python\nprint('a\x00b')\n{F}")
    assert got.code is None and got.status is ExtractStatus.invalid


def test_oversized_block_is_invalid():
    got = extract_code(f"{F}python\n" + "x = 1\n" * 200_000 + F)
    assert got.code is None and got.status is ExtractStatus.invalid


def test_windows_line_endings():
    assert extract_code(f"{F}python\r\nprint(1)\r\n{F}\r\n").code == "print(1)\n"


def test_unknown_language_is_an_error():
    with pytest.raises(ValueError, match="unknown language 'cobol'"):
        extract_code("x", "cobol")
