"""Results that stay true (issue 22): no record shifted, split or lost, whatever the length of a
line or sentence, in every output format and through the Python API."""

import json

import pytest
from typer.testing import CliRunner

from rnncli.cli.app import app
from rnncli.errors import RnnCliError
from rnncli.text.pieces import MAX_SENTENCE_WORDS
from rnncli.text.sentences import read_sentences

runner = CliRunner()
LONG = "supercalifragilistic " * 9_000  # 189,000 characters: read in two pieces


def tag(model, *args, input=None):
    result = runner.invoke(app, ["tag", "-m", str(model), *args], input=input)
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize("input_format", ["lines", "tokens"])
def test_a_long_line_is_one_record_in_every_format(hand_tagger, input_format):
    data = LONG + "\nI run fast\n"
    jsonl = tag(hand_tagger, "-I", input_format, "-f", "jsonl", input=data)
    records = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert [(r["line"], r["sent_id"], len(r["tokens"])) for r in records] == [(1, "1", 9_000), (2, "2", 3)]
    assert records[0]["text"] == LONG.strip() and records[1]["text"] == "I run fast"
    conllu = tag(hand_tagger, "-I", input_format, "-f", "conllu", input=data).stdout
    assert [line for line in conllu.splitlines() if line.startswith("# sent_id")] == ["# sent_id = 1", "# sent_id = 2"]
    tsv = tag(hand_tagger, "-I", input_format, "-f", "tsv", input=data).stdout
    assert [len(block.splitlines()) for block in tsv.rstrip("\n").split("\n\n")] == [9_000, 3]
    tags = tag(hand_tagger, "-I", input_format, "-f", "tags", input=data).stdout.splitlines()
    assert [len(line.split()) for line in tags] == [9_000, 3]


def test_the_pieces_of_a_line_join_without_a_made_up_space():
    # inputs.ByteLines hands on a line too long to hold in pieces, each but the last without "\n"
    sentences = list(read_sentences(["\n", "aaaa bbbb ", "cccc dd", "dd\n", "\n"], "tokens"))
    assert [(s.line, s.comment("sent_id"), s.words, s.text) for s in sentences] == [
        (1, "1", [], ""), (2, "2", ["aaaa", "bbbb", "cccc", "dddd"], "aaaa bbbb cccc dddd"), (3, "3", [], "")]
    assert [row[9] for row in sentences[1].rows] == ["_"] * 4  # cut inside a word: one token again, as written
    pieces = list(read_sentences(["aaaa", " bbbb\n"], "tokens"))  # cut just before whitespace: no word to join
    assert [(s.words, s.text) for s in pieces] == [(["aaaa", "bbbb"], "aaaa bbbb")]


def test_running_text_without_whitespace_keeps_every_character(hand_tagger):
    data = "x" * 300_000 + "\n"
    conllu = tag(hand_tagger, "--tokenizer", "treebank", "-f", "conllu", input=data).stdout
    assert conllu.count("# sent_id") == 1 and f"# text = {'x' * 300_000}\n" in conllu


def test_a_line_over_the_word_limit_is_an_error_in_every_format(hand_tagger):
    data = "a " * (MAX_SENTENCE_WORDS + 1) + "\n"
    for fmt in ("tsv", "jsonl", "conllu", "tags"):
        result = tag(hand_tagger, "-I", "tokens", "-f", fmt, input="I run\n" + data)
        assert result.exit_code == 1
        assert result.stderr == (f"rnncli: error: <stdin>:2: a line of more than {MAX_SENTENCE_WORDS:,} words; rnncli "
                                 "reads at most that many as one sentence: break the line, or use -I text\n")


def test_running_text_over_the_word_limit_goes_on_in_the_next_sentence():
    sentences = list(read_sentences(["abcdefghijk " * (MAX_SENTENCE_WORDS + 10) + "\n"], "text"))  # two pieces
    assert sum(len(s.words) for s in sentences) == MAX_SENTENCE_WORDS + 10 and len(sentences) == 2


def test_the_api_gives_each_sentence_its_own_tags(hand_tagger):
    from rnncli import Tagger

    tagger = Tagger(str(hand_tagger), tokenizer="treebank")
    tagged = tagger.tag_sents([["words"] * 9_000, ["I", "study", "at", "night"]])  # 54,000 characters
    assert [len(s) for s in tagged] == [9_000, 4]
    assert tagged[1] == [("I", "PRON"), ("study", "VERB"), ("at", "ADP"), ("night", "NOUN")]
    assert len(tagger.tag(["supercalifragilistic"] * MAX_SENTENCE_WORDS)) == MAX_SENTENCE_WORDS  # in pieces
    with pytest.raises(RnnCliError, match="^sentence 1 has more than 10,000 words; rnncli tags at most that many"):
        tagger.tag(["supercalifragilistic"] * (MAX_SENTENCE_WORDS + 1))
    with pytest.raises(RnnCliError, match="^sentence 3 has more than 10,000 words"):  # blank sentences count
        tagger.tag_sents([["a"], [], ["a"] * (MAX_SENTENCE_WORDS + 1)])


def test_two_trainings_with_one_out_the_second_is_refused(tmp_path):
    import subprocess
    import sys

    from conftest import train_tiny

    out = tmp_path / "m.safetensors"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom rnncli.files import output_lock\n"
                               f"with output_lock({str(out)!r}):\n    print('held', flush=True)\n    time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(RnnCliError, match="another run is writing this file now"):
            train_tiny(out, epochs=1)
        assert not out.exists() and not (tmp_path / "m.safetensors.ckpt").exists()
    finally:
        holder.kill()
        holder.wait()
    train_tiny(out, epochs=1)  # the lock went with the process that held it
    assert out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]


@pytest.mark.parametrize("word", ["co\u00adoperate", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
                                  "\U0001f468\u200d\U0001f469\u200d\U0001f467"], ids=["soft-hyphen", "zwnj", "zwj"])
def test_format_characters_are_kept_in_tokens_and_text(hand_tagger, word):
    tags = tag(hand_tagger, "-I", "tokens", "-f", "tags", input=f"We {word} daily\n").stdout
    assert tags.split() == ["We/NOUN", f"{word}/NOUN", "daily/NOUN"]  # 3 tokens for 3: "your tokenization is kept"
    conllu = tag(hand_tagger, "--tokenizer", "treebank", "-f", "conllu", input=f"We {word} daily.\n").stdout
    assert f"# text = We {word} daily.\n" in conllu and f"\t{word}\t" in conllu


def test_lines_and_text_hand_the_tokenizer_the_same_sentence():
    from rnncli.infer.tokenizer import open_tokenizer

    tokenizer = open_tokenizer("lstm")
    for text in ("We met at 5 p.m. i.e.", "caf\ufffd night\ufffd", "See the U.S."):
        lines = [s.words for s in read_sentences([text + "\n"], "lines", tokenizer=tokenizer)]
        running = [s.words for s in read_sentences([text + "\n"], "text", tokenizer=tokenizer)]
        assert [w for s in running for w in s] == lines[0]


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("input_format", ["lines", "tokens"])
def test_a_line_over_the_limit_keeps_the_records_before_it(hand_tagger, tmp_path, input_format, jobs):
    import subprocess
    import sys

    path = tmp_path / "in.txt"
    path.write_text("".join(f"line {i}\n" for i in range(600)) + "x " * (MAX_SENTENCE_WORDS + 1) + "\nafter\n")
    result = subprocess.run([sys.executable, "-m", "rnncli", "tag", "-m", str(hand_tagger), "-I", input_format,
                             "-f", "tags", "-j", jobs, "--input", str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and f"{path}:601: a line of more than 10,000 words" in result.stderr
    assert result.stdout.splitlines() == [f"line/NOUN {i}/NOUN" for i in range(600)]  # every record before it


def test_a_malformed_conllu_sentence_keeps_the_sentences_before_it(hand_tagger):
    good = "1\tI\t_\t_\t_\t_\t_\t_\t_\t_\n\n"
    result = tag(hand_tagger, "-I", "conllu", "-f", "tags", input=good * 5 + "1\tbad\n\n")
    assert result.exit_code == 1 and result.stdout.splitlines() == ["I/PRON"] * 5
