"""The character-level tokenizer: labels from CoNLL-U and back, a tiny trained tokenizer, the
numpy/torch twin, windows over long text, streaming, multiword tokens in CoNLL-U output, the
sentence bias fitted on dev."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import EWT, TINY_TOKENIZER_DATA
from rnncli.errors import RnnCliError
from rnncli.text.conllu import read_conllu
from rnncli.data.common import read_paragraphs
from rnncli.model.bundled import open_model
from rnncli.model.model_file import load_model, read_tensors
from rnncli.text.segmentation import (INSIDE, MULTIWORD, SENTENCE, TOKEN, WORD, boundary_labels, decode, decode_texts,
                                      paragraphs, segmentation_f1, windows)
from rnncli.text.hygiene import clean, composed
from rnncli.text.sentences import read_sentences
from rnncli.infer.tokenizer import CORE, SENTENCE_BIASES, Tokenizer

RNNCLI = [sys.executable, "-m", "rnncli"]


def spelled(sentences) -> list[list[tuple]]:
    return [[(t.start, t.end, tuple(t.words)) for t in s] for s in sentences]


def test_labels_of_a_paragraph():
    (paragraph, *_) = read_paragraphs(TINY_TOKENIZER_DATA)
    assert paragraph.newdoc and paragraph.text == "We didn't leave now. The bird won now."
    labels = paragraph.labels()
    marked = {i: labels[i] for i in range(len(labels)) if labels[i] != INSIDE}
    assert marked == {1: TOKEN, 5: WORD, 8: TOKEN, 14: TOKEN, 18: TOKEN, 19: SENTENCE,  # We|did|n't|leave|now|.
                      23: TOKEN, 28: TOKEN, 32: TOKEN, 36: TOKEN, 37: SENTENCE}
    assert [t.words for t in paragraph.sentences[0]] == [["We"], ["did", "n't"], ["leave"], ["now"], ["."]]


def test_labels_decode_to_the_gold_segmentation():
    for paragraph in read_paragraphs(TINY_TOKENIZER_DATA):
        assert spelled(decode(paragraph.text, paragraph.labels())) == spelled(paragraph.sentences)


@pytest.mark.skipif(not EWT.is_dir(), reason="needs UD EWT in $RNNCLI_DATA (see DATA.md)")
def test_ewt_text_is_reproduced_character_for_character():
    for split in ("dev", "test"):
        path = EWT / f"en_ewt-ud-{split}.conllu"
        sentences = list(read_conllu(path.read_text(encoding="utf-8").splitlines(keepends=True)))
        found = list(paragraphs(sentences))
        texts = [s.comment("text") for s in sentences]
        joined = " ".join(p.text for p in found)
        assert all(t in joined for t in texts[:200])  # every sentence's # text, verbatim
        for p in found:
            assert spelled(decode(p.text, p.labels())) == spelled(p.sentences)
        assert segmentation_f1(found, [p.sentences for p in found]) == {"tokens": 1.0, "sentences": 1.0, "words": 1.0}


def test_a_token_that_does_not_match_its_text_is_an_error():
    bad = ["# sent_id = 1\n", "# text = I run\n", "1\tI\t_\t_\t_\t_\t_\t_\t_\t_\n", "2\tran\t_\t_\t_\t_\t_\t_\t_\t_\n",
           "\n"]
    with pytest.raises(Exception, match="bad.conllu:2: token 'ran' does not match the sentence's # text"):
        list(paragraphs(read_conllu(bad), "bad.conllu"))  # the line of the # text it does not match


def test_a_text_its_tokens_do_not_spell_to_the_end_is_the_gold_files_error():
    """A `# text` longer than its tokens (a file cut in the middle of a sentence) was reported by
    `eval tokenizer` as the system's tokens not spelling the gold text."""
    bad = ["# text = Hello world\n", "1\tHello\t_\tINTJ\tUH\t_\t0\troot\t_\t_\n", "\n"]
    with pytest.raises(RnnCliError, match=r"^bad.conllu:1: the sentence's # text goes on after its last token "
                                          r"\('world'\): its tokens do not spell it$"):
        list(paragraphs(read_conllu(bad), "bad.conllu"))
    for end in (" ", "\u200b", "\t"):  # whitespace as rnncli reads it may end it
        assert [p.text for p in paragraphs(read_conllu([f"# text = Hello{end}\n", *bad[1:]]))] == [f"Hello{end}"]


def test_decode_rules():
    text = "ab cd.ef"
    # whitespace always ends a token; a word label on a token's last character is just its end
    assert spelled(decode(text, [INSIDE] * len(text))) == [[(0, 2, ("ab",)), (3, 8, ("cd.ef",))]]
    labels = [INSIDE, WORD, INSIDE, WORD, INSIDE, SENTENCE, INSIDE, INSIDE]
    assert spelled(decode(text, labels)) == [[(0, 2, ("ab",)), (3, 6, ("c", "d."))], [(6, 8, ("ef",))]]
    assert decode("   ", [INSIDE] * 3) == [] and decode("", []) == []



def test_texts_decoded_together_as_each_alone():
    """decode_texts reads many texts as one (a space between them): each text's tokens, words,
    sentence ends and multiword marks are as decode gives them for that text alone, also where
    a text starts with a combining mark, ends inside a token or holds only whitespace."""
    rng = np.random.default_rng(0)
    alphabet = ["a", "b", " ", "\u0301", ".", "'", "\t", "\u3000", "é", "X"]
    texts = ["", " ", "\u0301a", "a\u0301", "ab", "a \u0301"]
    texts += ["".join(rng.choice(alphabet, rng.integers(0, 25))) for _ in range(400)]
    labels = [rng.choice([INSIDE, INSIDE, TOKEN, SENTENCE, WORD, MULTIWORD], len(t)) for t in texts]
    alone = [[[(t.start, t.end, tuple(t.words), t.multiword) for t in s] for s in decode(text, lab)]
             for text, lab in zip(texts, labels)]
    together = decode_texts(texts, np.concatenate(labels))
    assert [[[(t.start, t.end, tuple(t.words), t.multiword) for t in s] for s in sentences]
            for sentences in together] == alone
    assert any(len(sentences) > 1 for sentences in alone) and any(not sentences for sentences in alone[1:])
    assert decode_texts(["", ""], np.zeros(0, np.int64)) == [[], []]
    with pytest.raises(ValueError, match="1 labels for 3 characters"):  # numpy would spread one label over three
        decode("abc", [TOKEN])

def test_whitespace_and_character_ids_agree_with_python_on_every_character():
    from rnncli.text.segmentation import whitespace

    every = "".join(map(chr, range(0x110000)))  # surrogates included: str holds them
    assert np.array_equal(whitespace(every), np.array([ch.isspace() for ch in every]))
    tokenizer = Tokenizer(open_model("lstm", "tokenizer"))
    text = "Héllo wörld 😀 e\u0301\t\n日本語 ab\u00a0c\ud800" * 3
    assert tokenizer.encoder.ids(text).tolist() == [tokenizer.encoder.id(ch) for ch in text]
    ascii_text = "".join(map(chr, range(128))) * 2  # read through a table of ASCII's ids
    assert tokenizer.encoder.ids(ascii_text).tolist() == [tokenizer.encoder.id(ch) for ch in ascii_text]


def test_windows_tile_the_text():
    for length in (0, 1, 299, 300, 301, 1000, 12345):
        cuts = windows(length, 300, 50)
        assert [c for w in cuts for c in range(w[2], w[3])] == list(range(length))
        assert all(max(0, w[2] - 50) == w[0] and min(length, w[3] + 50) == w[1] for w in cuts)


def test_a_tiny_tokenizer_learns_the_rule(tiny_tokenizer):
    tokenizer = Tokenizer(load_model(tiny_tokenizer))
    (sentences,) = tokenizer.segment(["The cat didn't run today. We sat here."])
    assert [[t.words for t in s] for s in sentences] == [
        [["The"], ["cat"], ["did", "n't"], ["run"], ["today"], ["."]], [["We"], ["sat"], ["here"], ["."]]]
    gold = read_paragraphs(TINY_TOKENIZER_DATA)
    assert load_model(tiny_tokenizer).meta["scores"]["dev"] == segmentation_f1(
        gold, tokenizer.segment([p.text for p in gold]))


def with_sentence_bias(source: Path, path: Path, bias) -> Path:
    """A copy of a tokenizer model file with another sentence_bias in its metadata."""
    from safetensors.numpy import save

    meta, tensors = read_tensors(source)
    path.write_bytes(save(tensors, metadata={"rnncli": json.dumps({**meta, "sentence_bias": bias})}))
    return path


def test_the_sentence_bias_moves_close_calls_only():
    probs = np.array([[0.5, 0.1, 0.4, 0.0],  # inside, token, sentence, word
                      [0.2, 0.1, 0.7, 0.0],
                      [0.9, 0.05, 0.05, 0.0]], np.float32)
    assert boundary_labels(probs).tolist() == [INSIDE, SENTENCE, INSIDE]
    assert boundary_labels(probs, 0.5).tolist() == [SENTENCE, SENTENCE, INSIDE]  # 0.4 e^0.5 = 0.66 > 0.5
    assert boundary_labels(probs, -1.5).tolist() == [INSIDE, INSIDE, INSIDE]  # 0.7 e^-1.5 = 0.16 < 0.2
    assert probs[0, SENTENCE] == np.float32(0.4)  # the caller's probabilities are left as they were


def test_a_tokenizer_ends_sentences_as_its_bias_says(tiny_tokenizer, tmp_path):
    text = "The cat sat. We ran here. It ran today. We sat"
    counts = {bias: len(Tokenizer(load_model(with_sentence_bias(tiny_tokenizer, tmp_path / "t.safetensors", bias)))
                        .segment([text])[0]) for bias in (-10, 0, 10)}
    assert counts[-10] == 1 and counts[0] == 4 and counts[10] > 4, counts


def test_training_fits_the_sentence_bias_on_dev(tiny_tokenizer):
    meta = load_model(tiny_tokenizer).meta
    curve = {float(b): f1 for b, f1 in meta["training"]["sentence_bias_dev"].items()}
    assert sorted(curve) == sorted(SENTENCE_BIASES)
    best = max(curve.values())
    assert curve[meta["sentence_bias"]] == best
    assert abs(meta["sentence_bias"]) == min(abs(b) for b, f1 in curve.items() if f1 == best)  # ties: nearest 0


def test_the_sentence_bias_is_the_one_that_ends_dev_sentences_best(tiny_tokenizer):
    from rnncli.infer.tokenizer import tune_sentence_bias

    gold = list(paragraphs(read_conllu("# text = Hi.\n1\tHi\t_\t_\t_\t_\t_\t_\t_\tSpaceAfter=No\n2\t.\t_\t_\t_\t_\t_\t_\t_\t_\n\n"
                                       "# text = Yo\n1\tYo\t_\t_\t_\t_\t_\t_\t_\t_\n\n".splitlines(True))))
    assert gold[0].text == "Hi. Yo"
    probs = np.array([[0.9, 0.1, 0.0, 0.0], [0.29, 0.7, 0.01, 0.0],  # H i
                      [0.1, 0.5, 0.4, 0.0],  # .: a sentence end once 0.4 e^bias > 0.5, from a bias of 0.25 on
                      [1.0, 0.0, 0.0, 0.0], [0.9, 0.1, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]], np.float32)  # ' ' Y o
    tokenizer = Tokenizer(load_model(tiny_tokenizer))
    tokenizer.probabilities = lambda texts, workers=None: [probs]
    bias, curve = tune_sentence_bias(tokenizer, gold)
    assert bias == 0.25 and curve[bias] == 1.0 and curve[0.0] == 0.0 and curve[2.0] == 1.0


@pytest.mark.parametrize("bias", ["high", None, True, 10.5, -11, float("nan"), float("inf"), [0.5], 10 ** 400],
                         ids=["string", "null", "true", "10.5", "-11", "nan", "inf", "list", "10^400"])
def test_a_damaged_sentence_bias_is_refused(tiny_tokenizer, tmp_path, bias):

    with pytest.raises(RnnCliError, match="damaged model file.*sentence_bias") as refused:
        load_model(with_sentence_bias(tiny_tokenizer, tmp_path / "t.safetensors", bias))
    shown = str(refused.value).split("sentence_bias is ", 1)[1].split(", not a number")[0]
    assert shown == repr(bias) or (len(repr(bias)) > 40 and shown == repr(bias)[:37] + "...")  # cut, and said so


def test_a_tokenizer_with_an_upper_layer_learns_the_rule(tmp_path):
    from rnncli.train import TokenizerTask, TrainJob, train

    job = TrainJob.for_task("tokenizer", train=TINY_TOKENIZER_DATA, dev=TINY_TOKENIZER_DATA, out=tmp_path / "up.safetensors",
                            hidden=16, upper_hidden=8, embedding_dim=8, layers=1, dropout=0.0, word_dropout=0.0,
                            epochs=30, min_steps=0, batch_size=2, lr=2e-2, seed=3, min_word_count=1, dtype="float32")
    train(job, TokenizerTask())
    model = load_model(tmp_path / "up.safetensors")
    assert model.config.upper_hidden == 8 and "upper.weight_hh_l0_reverse" in model.weights
    tokenizer = Tokenizer(model)
    (sentences,) = tokenizer.segment(["The cat didn't run today. We sat here."])
    assert [[t.words for t in s] for s in sentences] == [  # n't: a token end inside a run of letters, by the lower head
        [["The"], ["cat"], ["did", "n't"], ["run"], ["today"], ["."]], [["We"], ["sat"], ["here"], ["."]]]
    gold = read_paragraphs(TINY_TOKENIZER_DATA)
    assert model.meta["scores"]["dev"] == segmentation_f1(gold, tokenizer.segment([p.text for p in gold]))


def test_numpy_and_torch_give_the_same_probabilities(tiny_tokenizer):
    import torch

    from rnncli.train.model import batch_tensors, model_from_file

    model = load_model(tiny_tokenizer)
    tokenizer = Tokenizer(model)
    texts = ["We didn't leave now.", "Hi"]
    numpy_probs = tokenizer.probabilities(texts)
    batch = tokenizer.encoder.batch(texts)
    with torch.no_grad():
        logits = model_from_file(model)(**batch_tensors(batch))["boundary"].softmax(-1).numpy()
    for b, text in enumerate(texts):
        np.testing.assert_allclose(numpy_probs[b], logits[b, :len(text)], atol=1e-5)


def test_long_text_runs_in_windows_without_losing_a_character(tiny_tokenizer):
    text = " ".join(["We didn't leave now."] * 400 + ["and", "then"] * 3000)  # ~14,000 characters, one line
    assert len(text) > 10 * CORE
    sentences = list(read_sentences([text + "\n"], "text", tokenizer=Tokenizer(load_model(tiny_tokenizer))))
    rebuilt = ""
    for sentence in sentences:
        rebuilt += "".join(surface(sentence))
    assert rebuilt.rstrip() == text
    assert sum(s.text.count(".") for s in sentences) == 400


def surface(sentence) -> list[str]:
    """The sentence's text rebuilt from its tokens and SpaceAfter (multiword tokens whole)."""
    out, inside = [], 0
    for row in sentence.rows:
        first, dash, last = row[0].partition("-")
        if not dash and int(first) <= inside:
            continue
        if dash:
            inside = int(last)
        out.append(row[1] + ("" if "SpaceAfter=No" in row[9] else " "))
    return out


def test_a_stream_hands_on_sentences_and_paragraphs(tiny_tokenizer):
    tokenizer = Tokenizer(load_model(tiny_tokenizer))
    lines = ["We didn't leave now. The bird\n", "won now.\n", "\n", "John sat here.\n"]
    sentences = list(read_sentences(lines, "text", tokenizer=tokenizer, input_waiting=lambda: False))
    assert [s.text for s in sentences] == ["We didn't leave now.", "The bird won now.", "John sat here."]
    assert ["# newpar" in s.comments for s in sentences] == [False, False, True]
    assert [r[1] for r in sentences[0].rows] == ["We", "didn't", "did", "n't", "leave", "now", "."]
    assert sentences[0].rows[1][0] == "2-3" and sentences[0].words == ["We", "did", "n't", "leave", "now", "."]


def test_tag_writes_multiword_ranges_and_space_after(tiny_model, tiny_tokenizer):
    out = subprocess.run([*RNNCLI, "tag", "-m", tiny_model, "--tokenizer", tiny_tokenizer, "-f", "conllu",
                          "We didn't leave now.The bird won."], capture_output=True, text=True, check=True).stdout
    rows = [line.split("\t") for line in out.splitlines() if line and not line.startswith("#")]
    assert [(r[0], r[1], r[9]) for r in rows[:7]] == [
        ("1", "We", "_"), ("2-3", "didn't", "_"), ("2", "did", "_"), ("3", "n't", "_"), ("4", "leave", "_"),
        ("5", "now", "SpaceAfter=No"), ("6", ".", "SpaceAfter=No")]  # no space before "The"
    assert rows[2][3] != "_" and rows[1][3] == "_"  # words are tagged, the range row is not


@pytest.mark.parametrize("text", ["", "   ", "😀😀 hello 😀!", "שלום עולם. مرحبا", "e\u0301te\u0301 cafe\u0301.",
                                  "a\x01b\x07c\x1b[31m", "x" * 10_000, "y" * 50_000 + " z.", "!" * 30_000,
                                  "\u200b\u2028\ufeff"],
                         ids=["empty", "spaces", "emoji", "rtl", "combining", "control", "10k-word", "50k-word",
                              "30k-punctuation", "invisible"])
def test_odd_text(tiny_model, tiny_tokenizer, text):
    for tokenizer in (str(tiny_tokenizer), "lstm"):
        result = subprocess.run([*RNNCLI, "tag", "-m", tiny_model, "--tokenizer", tokenizer, "-f", "conllu", "-"],
                                input=text.encode(), capture_output=True)
        assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr
        words = [line.split("\t")[1] for line in result.stdout.decode().splitlines() if line and line[0].isdigit()]
        assert "".join(words) == composed("".join(clean(text).split()))  # nothing lost, invented or duplicated (NFC)


def test_a_tokenizer_file_is_checked(tiny_tokenizer, tiny_model):
    from rnncli.infer.tokenizer import open_tokenizer

    with pytest.raises(RnnCliError, match="a tagger model, where a tokenizer model is needed"):
        open_tokenizer(str(tiny_model))
    assert open_tokenizer(str(tiny_tokenizer)).name == "tiny-tokenizer"


BUNDLED_GOLDEN = {  # the bundled tokenizer-lstm on tricky text: words joined by | inside a multiword token
    "I don’t know, it’s John’s e-mail.": [["I", "do|n’t", "know", ",", "it|’s", "John|’s", "e-mail", "."]],
    "It's a so-called ice-cream :) Wow!!!": [["It|'s", "a", "so", "-", "called", "ice", "-", "cream", ":)", "Wow",
                                             "!!!"]],
    "Mail john.doe@example.com or see https://example.com/a?b=c now.": [
        ["Mail", "john.doe@example.com", "or", "see", "https://example.com/a?b=c", "now", "."]],
    "We cant go. Its late": [["We", "cant", "go", "."], ["It|s", "late"]],  # EWT splits `cant` as ca|nt: missed
    "Dr. Smith arrived at 5 p.m. on Monday. He left.": [
        ["Dr.", "Smith", "arrived", "at", "5", "p.m.", "on", "Monday", "."], ["He", "left", "."]],
}


RNN_GOLDEN = {**BUNDLED_GOLDEN,  # tokenizer-rnn: the same but for a sentence end made up after the URL
              "Mail john.doe@example.com or see https://example.com/a?b=c now.": [
                  ["Mail", "john.doe@example.com", "or", "see", "https://example.com/a?b=c"], ["now", "."]]}


@pytest.mark.parametrize("name, golden", [("lstm", BUNDLED_GOLDEN), ("rnn", RNN_GOLDEN), ("rnn-small", BUNDLED_GOLDEN)])
def test_golden_output_of_the_bundled_tokenizers(name, golden):
    from rnncli.infer.tokenizer import open_tokenizer

    texts = list(golden)
    segmented = open_tokenizer(name).segment(texts)
    assert {text: [["|".join(t.words) for t in s] for s in sentences]
            for text, sentences in zip(texts, segmented)} == golden


def test_a_blank_line_hands_on_the_held_sentence_at_once(tiny_tokenizer):
    produced = []

    def typed():  # input that pauses after each line: nothing more is waiting
        yield "We didn't leave now. The bird won now.\n"
        assert produced == []  # more text could still change where these sentences end
        yield "\n"
        assert [s.text for s in produced] == ["We didn't leave now.", "The bird won now."]
        yield "John sat here.\n"

    tokenizer = Tokenizer(load_model(tiny_tokenizer))
    for sentence in read_sentences(typed(), "text", tokenizer=tokenizer, input_waiting=lambda: False):
        produced.append(sentence)
    assert [s.text for s in produced][-1] == "John sat here."


def test_raw_scoring_leaves_out_the_control_characters_the_input_drops():
    from rnncli.evaluate.scores import evaluate_raw

    rows = [("1", "Hi", "_"), ("2", "there\u200b", "SpaceAfter=No"), ("3", "!", "_")]
    lines = ["# text = Hi\xa0there\u200b!\n", *("\t".join([i, form, *"_" * 7, misc]) + "\n" for i, form, misc in rows),
             "\n"]
    scores = evaluate_raw(list(read_conllu(lines, "zwsp.conllu")), tokenizer=None).scores
    assert scores["Tokens"].f1 == scores["Sentences"].f1 == 1.0


@pytest.mark.parametrize("model", ["tiny", "lstm"])
def test_the_same_text_gives_the_same_sentences_however_fast_it_arrives(tiny_tokenizer, model):
    import textwrap

    import itertools
    import random

    words = ("We met Dr. Smith at 5 p.m. ... and then, well... nothing. Did you? I didn't! "
             "See e.g. the U.S. report (pp. 3-4) -- it says so.").split()
    rng = random.Random(0)
    paragraph = " ".join(rng.choice(words) for _ in range(9_000))  # about 50,000 characters: cut twice
    lines = [line + "\n" for line in textwrap.wrap(paragraph, 60)] + ["\n"] + ["Short one. And two.\n"]
    tokenizer = Tokenizer(load_model(tiny_tokenizer) if model == "tiny" else open_model("lstm", "tokenizer"))

    def sentences(waiting):  # waiting() False after a line: a pipe that pauses there
        return [(s.text, s.comments[0]) for s in read_sentences(lines, "text", tokenizer=tokenizer,
                                                                input_waiting=waiting)]

    from_a_file = sentences(lambda: True)
    assert sentences(lambda: False) == from_a_file
    pauses = itertools.cycle([True, True, False, True, False, False, True])
    assert sentences(lambda: next(pauses)) == from_a_file
    everything = (paragraph + "Short one. And two.").replace(" ", "")
    assert "".join(text for text, _ in from_a_file).replace(" ", "") == everything  # every character, once
