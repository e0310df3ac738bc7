"""CoNLL-U: everything read is written back unchanged; malformed input names file and line."""

import pytest

from conftest import FIXTURES
from rnncli.text.conllu import read_conllu
from rnncli.errors import RnnCliError


def test_round_trip_keeps_comments_ranges_and_empty_nodes():
    text = (FIXTURES / "special.conllu").read_text(encoding="utf-8")
    sentences = list(read_conllu(text.splitlines(keepends=True), "special.conllu"))
    assert "".join(s.to_conllu() for s in sentences) == text
    assert sentences[0].words == ["I", "do", "n't", "sleep", "."]
    assert sentences[1].words == ["Cats", ",", "dogs", "."]
    assert sentences[0].comment("newdoc id") == "special"
    assert sentences[1].text == "Cats, dogs."
    assert [s.line for s in sentences] == [1, 11]


@pytest.mark.parametrize("lines, message", [
    (["1\tA\t_\t_\t_\t_\t_\t_\t_\n"], r"f.conllu:1: expected 10 tab-separated CoNLL-U columns, found 9"),
    (["1\tA" + "\t_" * 8 + "\n", "3\tB" + "\t_" * 8 + "\n"], r"f.conllu:2: word ID 3 out of sequence; expected 2"),
    (["x\tA" + "\t_" * 8 + "\n"], r"f.conllu:1: bad ID 'x'"),
    (["1\tA" + "\t_" * 8 + "\n", "# late\n"], r"f.conllu:2: comment inside a sentence"),
    (["1\t" + "\t_" * 8 + "\n"], r"f.conllu:1: empty FORM column"),
])
def test_malformed_rows_name_file_and_line(lines, message):
    with pytest.raises(RnnCliError, match=message):
        list(read_conllu(lines, "f.conllu"))


def test_multiwords_name_each_words_token_and_stay_within_the_sentence():
    rows = ["1-2\tdu\t_", "1\tde\t_", "2\tle\t_", "2.1\tx\t_", "3\tchat\t_", "4-5\tfoo\t_", "4\tf\t_", "5\too\t_"]
    (sentence,) = read_conllu([r + "\t_" * 7 + "\n" for r in rows])
    assert sentence.multiwords == [("1-2", "du"), ("1-2", "du"), None, ("4-5", "foo"), ("4-5", "foo")]
    sentence.rows = sentence.rows[:5] + [["4-1000000000", "foo"] + ["_"] * 8, sentence.rows[6]]  # built, not read
    assert sentence.multiwords == [("1-2", "du"), ("1-2", "du"), None, ("4-1000000000", "foo")]


@pytest.mark.parametrize("rows, line, message", [
    (["2-1\ta", "1\ta", "2\tb"], 1, "must come just before its first word and span at least two"),
    (["1-1\ta", "1\ta", "2\tb"], 1, "must come just before its first word and span at least two"),
    (["1\ta", "1-2\tab", "2\tb"], 2, "must come just before its first word"),
    (["1-2\tab", "1\ta", "2-3\tbc", "2\tb", "3\tc"], 3, "overlaps the one before it"),
    (["1-3\tabc", "1\ta", "2-3\tbc", "2\tb", "3\tc"], 3, "overlaps the one before it"),
    (["1-2\tab", "1-2\tab", "1\ta", "2\tb"], 2, "overlaps the one before it"),
    (["1-5\tab", "1\ta", "2\tb"], 1, "goes past the sentence's last word (2)"),
    (["1\ta", "2-99999999999999999999\tb", "2\tb"], 2, "goes past the sentence's last word (2)"),
], ids=["reversed", "one-word", "after-its-word", "overlap", "nested", "twice", "past-the-end", "huge"])
def test_malformed_multiword_ranges_are_errors_naming_their_line(rows, line, message):
    """Found by an attacker: such ranges were read silently, then dropped or misplaced by tsv and
    jsonl and echoed into CoNLL-U output that the UD validator refuses."""
    with pytest.raises(RnnCliError) as error:
        list(read_conllu([r + "\t_" * 8 + "\n" for r in rows] + ["\n"], "in.conllu"))
    assert str(error.value).startswith(f"in.conllu:{line}: ") and message in str(error.value)


@pytest.mark.parametrize("rows, line, message", [
    (["0.1\tgone", "0.2\tgone"], 1, "a sentence of empty nodes alone, without a word"),
    (["1-2\tdu", "0.1\tx", "1\tde", "2\tle"], 2, "empty node 0.1 between a multiword token and its first word"),
    (["1\tI", "5.1\tgone"], 2, "empty node 5.1 out of sequence; expected 1.1"),
    (["1\tI", "1.2\tgone"], 2, "empty node 1.2 out of sequence; expected 1.1"),
    (["1\tI", "1.1\tx", "2\tgo", "1.2\ty"], 4, "empty node 1.2 out of sequence; expected 2.1"),
    (["0\tI"], 1, "bad ID '0'; word IDs start at 1"),
    (["1\tI", "1.0\tx"], 2, "bad ID '1.0'; empty nodes are numbered from 1 (8.1, 8.2)"),
], ids=["alone", "in-a-range", "far", "skipped", "behind", "zero", "dot-zero"])
def test_empty_nodes_follow_their_word_and_a_sentence_has_a_word(rows, line, message):
    """Found by an attacker: `tag -I conllu` echoed a sentence of the empty node 1.1 alone (no
    word rows: invalid CoNLL-U, and an empty record in jsonl) and an empty node 5.1 after word 1,
    and said of ID 0 and 1.0 only that they were not integers or decimals."""
    with pytest.raises(RnnCliError) as error:
        list(read_conllu([r + "\t_" * 8 + "\n" for r in rows] + ["\n"], "in.conllu"))
    assert str(error.value).startswith(f"in.conllu:{line}: ") and message in str(error.value), str(error.value)


def test_empty_nodes_in_their_places_are_read():
    rows = ["0.1\tpro", "1\tI", "1.1\tx", "1.2\ty", "2-3\tgonna", "2\tgon", "3\tna", "3.1\tz"]
    (sentence,) = read_conllu([r + "\t_" * 8 + "\n" for r in rows])
    assert sentence.words == ["I", "gon", "na"]
