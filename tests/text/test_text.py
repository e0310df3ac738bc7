"""Sentence splitting, Treebank tokenization, decoding and the input formats."""

import subprocess
import sys

import pytest

from rnncli.errors import RnnCliError
from rnncli.text.decoding import decode_lines
from rnncli.text.hygiene import clean
from rnncli.text.rules import split_sentences, tokenize
from rnncli.text.sentences import batched, read_sentences


@pytest.mark.parametrize("text, tokens", [
    ("I study at night.", ["I", "study", "at", "night", "."]),
    ("I don't know, \"she said\" (really)!",
     ["I", "do", "n't", "know", ",", '"', "she", "said", '"', "(", "really", ")", "!"]),
    ("They'll pay $5.50 for it.", ["They", "'ll", "pay", "$", "5.50", "for", "it", "."]),
    ("I can't, won't, gonna", ["I", "ca", "n't", ",", "wo", "n't", ",", "gon", "na"]),
    ("I ❤️ 東京 🙂 café", ["I", "❤️", "東京", "🙂", "café"]),
])
def test_treebank_tokens(text, tokens):
    assert tokenize(text)[0] == tokens


def test_space_after_follows_the_text():
    tokens, space_after = tokenize("Hi, you.")
    assert list(zip(tokens, space_after)) == [("Hi", False), (",", True), ("you", False), (".", False)]


def test_punkt_keeps_abbreviations_inside_sentences():
    text = "Dr. Smith arrived at 5 p.m. on Monday. He left early! Did you see him?"
    assert split_sentences(text) == ["Dr. Smith arrived at 5 p.m. on Monday.", "He left early!", "Did you see him?"]


def test_tokenizer_does_not_import_all_of_nltk():
    code = ("import sys; from rnncli.text.rules import split_sentences, tokenize\n"
            "assert tokenize('Fresh start, here.')[0] == ['Fresh', 'start', ',', 'here', '.']\n"
            "assert split_sentences('One. Two.') == ['One.', 'Two.']\n"
            "print(sorted(m for m in sys.modules if m == 'nltk' or m.startswith('nltk.')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout == "[]\n", result.stderr  # a fresh process: no earlier test has filled the cache


def test_clean_turns_control_characters_into_spaces():
    assert clean("a\x07b\x1bc\u200bd") == "a b c d"
    assert clean("plain text") == "plain text"
    assert clean("a line\n") == "a line\n" and clean("a\u2028b\u00a0c\n") == "a b\u00a0c\n"  # newlines and NBSP stay
    for word in ("co\u00adoperate", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "\U0001f468\u200d\U0001f469\u200d\U0001f467",
                 "\u200f\u05e9\u05dc\u05d5\u05dd"):  # soft hyphen, ZWNJ (Persian), ZWJ (emoji), RLM: text, kept
        assert clean(word) == word


def test_decode_replaces_invalid_utf8_with_one_warning():
    warnings = []
    lines = list(decode_lines([b"ok\n", b"bad \xff\n", b"worse \xfe\n"], "in.txt", warnings.append))
    assert lines == ["ok\n", "bad \ufffd\n", "worse \ufffd\n"]
    assert warnings == ["in.txt:2: invalid UTF-8 (byte 5 of the line) replaced by U+FFFD"]


def test_decode_rejects_binary_and_strips_bom():
    assert list(decode_lines([b"\xef\xbb\xbfhello\n"], "x", print)) == ["hello\n"]
    with pytest.raises(RnnCliError, match=r"x:2: input looks binary"):
        list(decode_lines([b"text\n", b"\x00\x01\x02"], "x", print))


def test_text_format_splits_paragraphs_into_sentences():
    lines = ["The cat sat. The dog\n", "ran away.\n", "\n", "New paragraph here\n"]
    sentences = list(read_sentences(lines, "text"))
    assert [s.text for s in sentences] == ["The cat sat.", "The dog ran away.", "New paragraph here"]
    assert [s.comment("sent_id") for s in sentences] == ["1", "2", "3"]


def test_lines_and_tokens_formats():
    lines = ["Mr. Brown isn't here. Really.\n", "  \n", "a  b\tc\n", "last, without a newline"]
    assert [s.words for s in read_sentences(lines, "lines")] == [
        ["Mr.", "Brown", "is", "n't", "here", ".", "Really", "."], [], ["a", "b", "c"], ["last", ",", "without", "a",
                                                                                       "newline"]]
    tokens = list(read_sentences(lines, "tokens"))  # one sentence per line, an empty one for a blank line
    assert [s.words for s in tokens] == [["Mr.", "Brown", "isn't", "here.", "Really."], [], ["a", "b", "c"],
                                         ["last,", "without", "a", "newline"]]
    assert [(s.line, s.comment("sent_id")) for s in tokens] == [(1, "1"), (2, "2"), (3, "3"), (4, "4")]


def test_text_sentences_mark_space_after():
    (sentence,) = read_sentences(["Hi, you.\n"], "lines")
    assert [row[9] for row in sentence.rows] == ["SpaceAfter=No", "_", "SpaceAfter=No", "_"]  # a line end follows "."


def test_batches_close_early_when_no_input_is_waiting():
    assert list(batched(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(batched(range(3), 10, input_waiting=lambda: False)) == [[0], [1], [2]]


def test_batches_may_start_small_and_double_up_to_their_size():
    assert [len(g) for g in batched(range(20), 8, first=2)] == [2, 4, 8, 6]
    assert [len(g) for g in batched(range(5), 8, first=16)] == [5]
    assert [len(g) for g in batched(range(6), 8, lambda: True, lambda item: 1, 3, first=2)] == [2, 3, 1]  # weight too
