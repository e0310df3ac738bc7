"""Multiword tokens whose words do not spell them (German-like fixture), and a script without
spaces (Chinese-like fixture): labels, the expander, a trained tokenizer and `tag -f conllu`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import FIXTURES, TINY_TOKENIZER_DATA
from rnncli.data.common import read_paragraphs
from rnncli.infer.tokenizer import Tokenizer
from rnncli.model.model_file import load_model
from rnncli.text.multiword import Expander
from rnncli.text.segmentation import (INSIDE, LABELS, MULTIWORD, MULTIWORD_LABELS, SENTENCE, TOKEN, WORD, decode,
                                      has_multiword, segmentation_f1)

GERMAN = FIXTURES / "tiny-multiword.conllu"
CHINESE = FIXTURES / "tiny-nospace.conllu"


def test_a_multiword_token_not_spelled_by_its_words_is_marked_on_its_first_character():
    paragraph = read_paragraphs(GERMAN)[0]
    second = paragraph.sentences[1]
    assert paragraph.text.startswith("Wir sind in dem Haus. Sie waren zum Bahnhof.")
    zum = second[2]
    assert paragraph.text[zum.start:zum.end] == "zum" and zum.words == ["zu", "dem"] and not zum.spelled
    labels = paragraph.labels()
    assert labels[zum.start] == MULTIWORD and labels[zum.start + 1] == INSIDE and labels[zum.end - 1] == TOKEN
    assert has_multiword(read_paragraphs(GERMAN)) and not has_multiword(read_paragraphs(TINY_TOKENIZER_DATA))


ITALIAN = """# text = Parla dei libri.
1	Parla	parlare	VERB	_	_	_	_	_	_
2-3	dei	_	_	_	_	_	_	_	_
2	di	di	ADP	_	_	_	_	_	_
3	i	il	DET	_	_	_	_	_	_
4	libri	libro	NOUN	_	_	_	_	_	SpaceAfter=No
5	.	.	PUNCT	_	_	_	_	_	_

"""


def test_words_of_the_token_s_length_but_other_letters_do_not_spell_it(tmp_path):
    """Italian `dei` = `di i`: as long as its words, but cut it after two letters and the words
    are `de` and `i`. It is a multiword token to expand (431 of them in ParTUT's train file)."""
    (tmp_path / "it.conllu").write_text(ITALIAN, encoding="utf-8")
    (paragraph,) = read_paragraphs(tmp_path / "it.conllu")
    dei = paragraph.sentences[0][1]
    assert paragraph.text[dei.start:dei.end] == "dei" and not dei.spelled
    assert paragraph.labels()[dei.start:dei.end] == [MULTIWORD, INSIDE, TOKEN]
    assert Expander.learn([paragraph]).expand("Dei") == ["Di", "i"]
    cut_in_two = decode(paragraph.text, [INSIDE] * 4 + [TOKEN, INSIDE, INSIDE, WORD, TOKEN] + [INSIDE] * 5 + [TOKEN, SENTENCE])
    assert [segment.words for segment in cut_in_two[0]][1] == ["de", "i"]
    scores = segmentation_f1([paragraph], [cut_in_two])
    assert scores["tokens"] == 1.0 and scores["words"] == pytest.approx(2 * 3 / (5 + 5))  # de, i are not di, i


def test_decode_marks_multiword_tokens_and_scoring_compares_their_words():
    text = "Wir im Haus."
    labels = [INSIDE, INSIDE, TOKEN, INSIDE, MULTIWORD, TOKEN, INSIDE, INSIDE, INSIDE, INSIDE, TOKEN, SENTENCE]
    (sentence,) = decode(text, labels)
    assert [(t.words, t.multiword) for t in sentence] == [
        (["Wir"], False), (["im"], True), (["Haus"], False), (["."], False)]
    gold = read_paragraphs(GERMAN)
    assert segmentation_f1(gold, [p.sentences for p in gold]) == {"tokens": 1.0, "sentences": 1.0, "words": 1.0}


def test_the_expander_keeps_the_most_frequent_expansion_in_the_tokens_case():
    expander = Expander.learn(read_paragraphs(GERMAN))
    assert expander.table == {"am": ["an", "dem"], "beim": ["bei", "dem"], "im": ["in", "dem"], "zum": ["zu", "dem"]}
    assert expander.expand("Im") == ["In", "dem"] and expander.expand("ZUM") == ["ZU", "DEM"]
    assert expander.expand("xbeim") == ["xbei", "dem"]  # an unseen token: its longest seen ending
    assert expander.expand("Haus") == ["Haus"]  # nothing to go by: one word


def test_a_script_without_spaces_is_reproduced_and_labelled():
    (paragraph,) = read_paragraphs(CHINESE)
    assert paragraph.text == "我们去学校。他们在家。"
    labels = paragraph.labels()
    assert [i for i, label in enumerate(labels) if label != INSIDE] == [1, 2, 4, 5, 7, 8, 9, 10]
    assert labels[5] == SENTENCE and labels[10] == SENTENCE
    sentences = decode(paragraph.text, labels)
    assert [[t.words for t in s] for s in sentences] == [[["我们"], ["去"], ["学校"], ["。"]],
                                                         [["他们"], ["在"], ["家"], ["。"]]]


@pytest.fixture(scope="module")
def german_tokenizer(tmp_path_factory):
    from rnncli.train import TokenizerTask, TrainJob, train

    out = tmp_path_factory.mktemp("tokenizer") / "tiny-de.safetensors"
    job = TrainJob.for_task("tokenizer", train=GERMAN, dev=GERMAN, out=out, hidden=16, embedding_dim=8, layers=1,
                            dropout=0.0, word_dropout=0.0, epochs=40, min_steps=0, batch_size=2, lr=2e-2, seed=3,
                            min_word_count=1, dtype="float32", command="pytest tiny-de")
    train(job, TokenizerTask())
    return out


def test_a_tokenizer_trained_on_multiword_tokens_expands_them(german_tokenizer):
    model = load_model(german_tokenizer)
    assert model.labels["boundary"] == list(MULTIWORD_LABELS)
    assert model.meta["multiword"]["im"] == ["in", "dem"]
    (sentences,) = Tokenizer(model).segment(["Wir sind im Garten. Er war zum Markt."])
    assert [[t.words for t in s] for s in sentences] == [
        [["Wir"], ["sind"], ["in", "dem"], ["Garten"], ["."]], [["Er"], ["war"], ["zu", "dem"], ["Markt"], ["."]]]


def test_a_tokenizer_without_such_tokens_keeps_four_labels(tiny_tokenizer):
    model = load_model(tiny_tokenizer)
    assert model.labels["boundary"] == list(LABELS) and "multiword" not in model.meta


def test_tag_writes_the_range_row_with_the_tokens_text(german_tokenizer, tiny_model):
    out = subprocess.run([sys.executable, "-m", "rnncli", "tag", "-m", str(tiny_model), "--tokenizer",
                          str(german_tokenizer), "-f", "conllu", "Wir sind im Haus."],
                         capture_output=True, text=True, check=True).stdout
    rows = [line.split("\t") for line in out.splitlines() if line and not line.startswith("#")]
    assert [(r[0], r[1], r[9]) for r in rows] == [
        ("1", "Wir", "_"), ("2", "sind", "_"), ("3-4", "im", "_"), ("3", "in", "_"), ("4", "dem", "_"),
        ("5", "Haus", "SpaceAfter=No"), ("6", ".", "_")]
    assert "# text = Wir sind im Haus." in out
