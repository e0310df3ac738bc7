"""Hostile input: a sensible result or one clear line on stderr, never a traceback."""

import json

import pytest
from typer.testing import CliRunner

from rnncli.cli.app import app

runner = CliRunner()


def tag(model, *args, input=None):
    result = runner.invoke(app, ["tag", "--model", str(model), *map(str, args)], input=input)
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize("data", [b"", b"   \n\n \t \n"])
def test_empty_input_gives_empty_output(tiny_model, data):
    result = tag(tiny_model, input=data)
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == ""


def test_invalid_utf8_is_replaced_with_a_warning(tiny_model):
    result = tag(tiny_model, "-f", "tags", input=b"Hello \xff world.\n")
    assert result.exit_code == 0
    assert result.stdout.split()[1].startswith("\ufffd/")
    assert result.stderr == "rnncli: warning: <stdin>:1: invalid UTF-8 (byte 7 of the line) replaced by U+FFFD\n"


def test_binary_input_is_refused(tiny_model):
    result = tag(tiny_model, input=b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x03\x00")
    assert result.exit_code == 1
    assert result.stderr == "rnncli: error: <stdin>:1: input looks binary (NUL byte); expected UTF-8 text\n"


def test_control_characters_do_not_break_tsv(tiny_model):
    result = tag(tiny_model, input="a\x1b[31mred\x07 bell\tand\rmore\n")
    rows = [line.split("\t") for line in result.stdout.splitlines() if line]
    assert "".join(r[0] for r in rows) == "a[31mredbellandmore"  # control characters became spaces
    assert all(len(r) == 3 for r in rows)


def test_emoji_and_cjk(tiny_model):
    result = tag(tiny_model, "-f", "jsonl", "I ❤️ 東京 🙂")
    assert [t["token"] for t in json.loads(result.stdout)["tokens"]] == ["I", "❤️", "東京", "🙂"]


def test_ten_thousand_token_sentence(tiny_model):
    result = tag(tiny_model, "-I", "tokens", "-f", "tags", input=" ".join(["night"] * 10_000) + "\n")
    assert result.exit_code == 0
    assert result.stdout.count("/") == 10_000 and result.stdout.count("\n") == 1


def test_one_megabyte_line(tiny_model):
    line = "I study at night and " * 50_000  # 1 MB, no sentence boundary
    result = tag(tiny_model, "-f", "tags", input=line + "\n")
    assert result.exit_code == 0 and result.stdout.count("/") == 250_000


def test_malformed_conllu_names_the_line(tiny_model):
    result = tag(tiny_model, "-I", "conllu", input="1\tI\t_\t_\t_\t_\t_\t_\t_\t_\n2\tam\n")
    assert result.exit_code == 1
    assert result.stderr == "rnncli: error: <stdin>:2: expected 10 tab-separated CoNLL-U columns, found 2\n"


@pytest.mark.parametrize("data, warned", [(b"I run.\rYou sleep.\rWe eat.\r", 1), (b"I run.\r\nYou sleep.\r\n", 0),
                                          (b"I run.\r", 0), (b"I run.\nYou\rsleep.\n", 0),
                                          (b"first\nHello\rGood\rBye\n", 2), (b"a\nb\rc\rd\ne\rf\rg\n", 2)])
def test_line_ends_of_a_cr_alone_are_named(tiny_model, data, warned):
    """Classic Mac OS line ends (a CR alone) read as one line, silently: one record for the whole
    file. They still read so (a CR is a space), with a warning that says how to convert them,
    once, on whatever line they begin (a file joined to one with LF ends was checked on its first
    line only); past the first line, a single CR in a line may be a stray one and is not named."""
    result = tag(tiny_model, "-I", "lines", "-f", "tags", input=data)
    assert result.exit_code == 0
    assert result.stderr == (f"rnncli: warning: <stdin>:{warned}: line ends that are a CR alone (classic Mac OS) are "
                             "read as spaces within a line; convert them first (tr '\\r' '\\n')\n" if warned else "")


@pytest.mark.parametrize("command, content", [
    (["eval", "tagger"], b"1\tThe\tthe\tDET\tDT\t_\t2\tdet\t_\t_\r2\tcat\tcat\tNOUN\tNN\t_\t0\troot\t_\t_\r\r"),
    (["eval", "sentiment"], b"1\tgood\r0\tbad\r"),
], ids=["conllu", "tsv"])
def test_a_data_file_with_lines_ended_by_a_cr_alone_says_so_and_how_to_convert(tmp_path, command, content):
    """It said `expected 10 tab-separated CoNLL-U columns, found 19`, and nothing about the CRs."""
    data = tmp_path / "cr.data"
    data.write_bytes(content)
    result = runner.invoke(app, [*command, "--data", str(data)])
    assert result.exit_code == 1 and f"{data}:1: lines ended by a carriage return (CR) alone" in result.stderr
    assert f"tr '\\r' '\\n' < {data} > new-file" in result.stderr
    data.write_bytes(content.replace(b"\r", b"\r\n"))  # CRLF is fine
    assert "carriage return" not in runner.invoke(app, [*command, "--data", str(data)]).stderr


@pytest.mark.parametrize("content, message", [
    (b"The\tDET\tDT\n\n", ":1: expected token<TAB>tag, found 3 column(s)"),
    (b"-1\tThe\tthe\tDET\tDT\t_\t2\tdet\t_\t_\n\n", ":1: bad ID '-1'"),
], ids=["three columns", "conllu with a bad first ID"])
def test_a_bad_first_line_of_tagged_data_is_named_in_its_own_format(tmp_path, content, message):
    """The format was guessed from the first line, and a bad one was called a bad word/TAG token."""
    data = tmp_path / "gold.data"
    data.write_bytes(content)
    result = runner.invoke(app, ["eval", "tagger", "--data", str(data)])
    assert result.exit_code == 1 and f"{data}{message}" in result.stderr and "word/TAG" not in result.stderr


def test_a_cr_inside_a_texts_line_is_named_with_a_fix_that_keeps_the_lines(tmp_path):
    """Converting CRs to line ends (the old-Mac advice) would have cut the text off its label."""
    data = tmp_path / "gold.tsv"
    data.write_bytes(b"positive\tgreat\rfun movie\nnegative\tboring and dull\n")
    result = runner.invoke(app, ["eval", "sentiment", "--data", str(data)])
    assert result.exit_code == 1 and f"{data}:1: a carriage return (CR) inside the line's text" in result.stderr
    assert f"tr '\\r' ' ' < {data} > new-file" in result.stderr


@pytest.mark.parametrize("content, tokens", [
    (b"The/DET\tcat/NOUN\tsat/VERB\ton/ADP\tthe/DET\tmat/NOUN\tand/CCONJ\tslept/VERB\tall/DET\tday/NOUN\n", 10),
    (b"The/DET\tcat/NOUN\tsat/VERB\t\nA/DET dog/NOUN ran/VERB\n", 6),
], ids=["ten tab-separated tokens", "a trailing tab"])
def test_word_tag_lines_with_tabs_are_still_word_tag(content, tokens, tmp_path):
    """Read as CoNLL-U (10 fields) or as token<TAB>tag (a trailing empty field) after the format guess changed."""
    data = tmp_path / "gold.txt"
    data.write_bytes(content)
    result = runner.invoke(app, ["eval", "tagger", "-m", "lstm-small", "--data", str(data), "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["upos"]["tokens"] == tokens
