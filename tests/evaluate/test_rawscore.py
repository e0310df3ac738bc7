"""Raw-text scoring: the figures equal those of the CoNLL 2018 shared task's own script
(tests/vendor/conll18_ud_eval.py, unchanged, run as a process and in-process on random
segmentations), the mismatch summary, and `rnncli eval tagger --raw` / `eval tokenizer`."""

import importlib.util
import io
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import EWT, FIXTURES
from rnncli.cli.app import app
from rnncli.text.conllu import read_conllu
from rnncli.data.common import read_conllu_file
from rnncli.errors import RnnCliError
from rnncli.model.model_file import read_tensors, save_model
from rnncli.evaluate.raw import METRICS, score, segmentation
from rnncli.text.segmentation import raw_text
from rnncli.text.sentences import read_sentences
from rnncli.infer.tokenizer import open_tokenizer

OFFICIAL = Path(__file__).parents[1] / "vendor" / "conll18_ud_eval.py"
GOLD, SYSTEM = FIXTURES / "raw-gold.conllu", FIXTURES / "raw-system.conllu"
runner = CliRunner()


def run(*args, **kwargs):
    return runner.invoke(app, [str(a) for a in args], **kwargs)


def official_counts(gold: Path, system: Path) -> dict[str, tuple]:
    """Metric -> (correct, gold, system, aligned) as `conll18_ud_eval.py --counts` prints them."""
    result = subprocess.run([sys.executable, OFFICIAL, "--counts", gold, system], capture_output=True, text=True,
                            timeout=120, check=True)
    counts = {}
    for line in result.stdout.splitlines()[2:]:
        name, *numbers = [cell.strip() for cell in line.split("|")]
        if name in METRICS:
            counts[name] = tuple(int(n) if n else None for n in numbers)
    counts["Words"] = (*counts["Words"][:3], None)  # it prints Words' correct count as aligned; the score has none
    return counts


def our_counts(scores) -> dict[str, tuple]:
    return {name: (s.correct, s.gold, s.system, s.aligned) for name, s in scores.items()}


def with_dummy_trees(conllu: str) -> str:
    """The official script needs a tree: word 1 is the root, every other word hangs from it."""
    lines = []
    for line in conllu.splitlines(keepends=True):
        cells = line.split("\t")
        if len(cells) == 10 and cells[0].isdigit():
            cells[6], cells[7] = ("0", "root") if cells[0] == "1" else ("1", "dep")
        lines.append("\t".join(cells))
    return "".join(lines)


def load(path: Path):
    return segmentation(read_conllu_file(path), str(path))


def test_hand_made_system_against_the_official_script():
    # multiword tokens on both sides (some with the same words, some not), tokens split and
    # joined, sentences merged and split, an empty node
    ours = score(load(GOLD), load(SYSTEM))
    assert our_counts(ours.scores) == official_counts(GOLD, SYSTEM)
    assert ours.scores["Tokens"].correct == 19 and ours.scores["Words"].correct == 28  # not all agree, not all differ
    assert round(100 * ours.scores["UPOS"].f1, 2) == 67.61


def test_the_pipeline_against_the_official_script(hand_tagger, tmp_path):
    # `rnncli tag -I text -f conllu` on the rebuilt raw text, scored by the official script, gives
    # the figures `rnncli eval tagger --raw` reports
    raw = tmp_path / "raw.txt"
    raw.write_text(raw_text(read_conllu_file(GOLD)), encoding="utf-8")
    tagged = run("tag", "-m", hand_tagger, "-I", "text", "-f", "conllu", "--input", raw)
    system = tmp_path / "system.conllu"
    system.write_text(with_dummy_trees(tagged.stdout), encoding="utf-8")
    report = tmp_path / "report.json"
    result = run("eval", "tagger", "--raw", "-m", hand_tagger, "--data", GOLD, "--report", report)
    assert result.exit_code == 0, result.output
    scores = json.loads(report.read_text())["scores"]
    reported = {name: (s["correct"], s["gold"], s["system"], s["aligned"]) for name, s in scores.items()}
    assert reported == official_counts(GOLD, system)
    assert 0 < scores["Tokens"]["correct"] <= scores["Tokens"]["gold"] and scores["UPOS"]["correct"] > 0


def test_mismatches_and_sentence_ends():
    report = score(load(GOLD), load(SYSTEM), mismatches=3)
    assert report.mismatch_kinds == 7
    assert report.mismatches == [(("!!!",), ("!", "!", "!"), 1), ((":)",), (":", ")"), 1),
                                 (("a@b.com",), ("a", "@", "b.com"), 1)]  # by count, then gold tokens
    full = score(load(GOLD), load(SYSTEM)).mismatches
    assert (("ice", "-", "cream"), ("ice-cream",), 1) in full and (("art", "."), ("art.",), 1) in full
    assert not any("don't" in gold or "Its" in gold for gold, _, _ in full)  # the same multiword tokens
    # the gold ends after "ice-cream." and "me." missed; the system's after "Dr." made up
    assert (report.boundaries, report.missed_boundaries, report.extra_boundaries) == (7, 2, 1)


def test_a_gold_token_with_a_space_is_listed_as_written():
    """French Sequoia's `13 819` (one token with a space) was listed as gold `13819` against the
    system's `13 819` tokens: as if the tokenizer had made up a space."""
    row = "{}\t{}\t_\t_\t_\t_\t_\t_\t_\t{}\n"
    gold = segmentation(read_conllu(["# text = 13 819 km\n", row.format(1, "13 819", "_"), row.format(2, "km", "_")]),
                        "gold")
    system = segmentation(read_conllu([row.format(1, "13", "_"), row.format(2, "819", "_"), row.format(3, "km", "_")]),
                          "system")
    assert score(gold, system).mismatches == [(("13 819",), ("13", "819"), 1)]


def test_the_text_must_be_the_same():
    other = segmentation(read_conllu(["1\tI\t_\t_\t_\t_\t_\t_\t_\t_\n", "2\tdot\t_\t_\t_\t_\t_\t_\t_\t_\n"]), "x")
    with pytest.raises(RnnCliError, match=f"""^{GOLD}:1: .* at character 3 .* gold has "n'tlikeice-cream.Its", """
                                          """the system 't'$"""):
        score(load(GOLD), other)


def test_unknown_tokenizer(hand_tagger):
    with pytest.raises(RnnCliError, match="unknown tokenizer 'udpipe'; use lstm, rnn, rnn-small, treebank or the path") as error:
        open_tokenizer("udpipe")
    assert error.value.exit_code == 2
    assert open_tokenizer("treebank") is None and open_tokenizer("lstm", "conllu") is None
    assert [s.words for s in read_sentences(["Hi there.\n"], "text", tokenizer=None)] == [["Hi", "there", "."]]


# Random segmentations of random text, scored here and by the official script in-process.

def _official_module():
    spec = importlib.util.spec_from_file_location("conll18_ud_eval", OFFICIAL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def random_conllu(rng: random.Random, text: str) -> str:
    """`text` cut at random into sentences, tokens and multiword tokens whose words are pieces
    of the token, sometimes respelled (as `gonna` = gon + na, or wrongly)."""
    lines, at, sentence = [], 0, []
    tokens = []
    while at < len(text):
        size = rng.choice([1, 1, 2, 3, 4])
        tokens.append(text[at:at + size])
        at += size
    n = 0
    for i, token in enumerate(tokens):
        misc = rng.choice(["_", "SpaceAfter=No"])
        if len(token) > 1 and rng.random() < 0.3:
            cuts = sorted(rng.sample(range(1, len(token)), rng.randint(1, len(token) - 1)))
            words = [token[a:b] for a, b in zip([0, *cuts], [*cuts, len(token)])]
            if rng.random() < 0.2:
                words[rng.randrange(len(words))] = rng.choice(["x", "A", "b"])
            sentence.append(f"{n + 1}-{n + len(words)}\t{token}\t_\t_\t_\t_\t_\t_\t_\t{misc}")
            for word in words:
                n += 1
                sentence.append(f"{n}\t{word}\t_\t{rng.choice('AB')}\t{rng.choice('XY')}\t_\t{int(n > 1)}\t_\t_\t_")
        else:
            n += 1
            sentence.append(f"{n}\t{token}\t_\t{rng.choice('AB')}\t{rng.choice('XY')}\t_\t{int(n > 1)}\t_\t_\t{misc}")
        if i == len(tokens) - 1 or rng.random() < 0.15:
            lines += sentence + [""]
            sentence, n = [], 0
    return "\n".join(lines) + "\n"


def test_random_segmentations_score_as_the_official_script_does():
    official = _official_module()
    rng = random.Random(11)
    for case in range(300):
        text = "".join(rng.choice("abAB'-.") for _ in range(rng.randint(1, 40)))
        gold, system = random_conllu(rng, text), random_conllu(rng, text)
        theirs = official.evaluate(official.load_conllu(io.StringIO(gold)), official.load_conllu(io.StringIO(system)))
        ours = score(segmentation(read_conllu(io.StringIO(gold)), "gold"),
                     segmentation(read_conllu(io.StringIO(system)), "system"))
        expected = {name: (s.correct, s.gold_total, s.system_total, s.aligned_total) for name, s in theirs.items()
                    if name in METRICS}
        assert our_counts(ours.scores) == expected, (case, gold, system)


# The commands

def test_eval_tokenizer(tmp_path):
    result = run("eval", "tokenizer", "--tokenizer", "treebank", "--data", GOLD, "--mismatches", "2", env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert " ".join(result.stdout.split()).startswith(f"treebank tokenizer on {GOLD}: 7 sentences, 34 words ")
    rows = [line.split() for line in lines if line.split()[:1] in (["Tokens"], ["Sentences"], ["Words"])]
    assert rows == [["Tokens", "│", "53.12", "│", "54.84", "│", "53.97", "│", "31", "│", "32"],  # no empty
                    ["Sentences", "│", "66.67", "│", "57.14", "│", "61.54", "│", "7", "│", "6"],  # "aligned acc"
                    ["Words", "│", "62.50", "│", "58.82", "│", "60.61", "│", "34", "│", "32"]]  # column
    assert "aligned acc" not in result.stdout
    assert "UPOS" not in result.stdout and "14 gold tokens in 8 kinds" in result.stdout
    assert lines[-1] == "sentence ends: 2 of 7 missed, 1 extra" and max(map(len, lines)) <= 80
    document = json.loads(run("eval", "tokenizer", "--tokenizer", "treebank", "--data", GOLD, "--json").stdout)
    assert document["tokenizer"] == "treebank" and "model" not in document
    assert {"gold": ["ice", "-", "cream"], "system": ["ice-cream"], "count": 1} in document["mismatches"]
    assert document["scores"]["Sentences"]["correct"] == 4


def test_eval_tagger_raw_compares_models_and_keeps_gold_token_mode(hand_tagger, tmp_path):
    report = tmp_path / "r.json"
    result = run("eval", "tagger", "--raw", "-m", hand_tagger, "-m", hand_tagger, "--tokenizer", "treebank", "--data", GOLD, "--report", report,
                 "--tokenizer", "treebank", "--mismatches", "1", env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "2 models on" in result.stdout and "UPOS F1" in result.stdout and "Tokens F1" in result.stdout
    assert result.stdout.count("│") > 10 and max(map(len, result.stdout.splitlines())) <= 80
    models = json.loads(report.read_text())["models"]
    assert len(models) == 2 and models[0]["input"] == "raw text" and len(models[0]["mismatches"]) == 1
    gold_tokens = run("eval", "tagger", "-m", hand_tagger, "--data", GOLD, "--json")
    assert "accuracy" in json.loads(gold_tokens.stdout)["upos"]


@pytest.mark.parametrize("args, code, message", [
    (["eval", "tagger", "--data", GOLD, "--tokenizer", "treebank"], 2, "--tokenizer and --mismatches are for raw text"),
    (["eval", "tagger", "--data", GOLD, "--mismatches", "3"], 2, "add --raw"),
    (["eval", "tokenizer", "--data", GOLD, "--tokenizer", "nope"], 2, "unknown tokenizer 'nope'"),
    (["eval", "tagger", "--raw", "--data", GOLD, "--tokenizer", "nope"], 2, "see 'rnncli eval tagger --help'"),
    (["eval", "tokenizer", "--data", FIXTURES / "nope.conllu"], 1, "nope.conllu: no such file"),
    (["eval", "tokenizer", "--data", FIXTURES / "tiny-sentiment.tsv"], 1, "expected 10 tab-separated"),
    (["eval", "tokenizer", "--data", GOLD, "--report", GOLD], 1, "is the same file as --data"),
    (["eval", "tokenizer", "--data", GOLD, "--mismatches", "-1"], 2, "-1 is not in the range"),
], ids=["tokenizer-without-raw", "mismatches-without-raw", "unknown", "unknown-tagger", "missing", "not-conllu",
        "report-is-data", "negative"])
def test_errors(args, code, message):
    result = run(*args)
    assert result.exit_code == code and message in result.stderr, result.output
    assert result.stdout == ""


def test_user_text_is_not_markup(tmp_path):
    gold = tmp_path / "g.conllu"
    gold.write_text("# text = see [bold]x[/bold]\n1\tsee\t_\tX\t_\t_\t_\t_\t_\t_\n"
                    "2\t[bold]x[/bold]\t_\tX\t_\t_\t_\t_\t_\t_\n\n", encoding="utf-8")
    result = run("eval", "tokenizer", "--tokenizer", "treebank", "--data", gold)
    assert result.exit_code == 0 and "[bold]x[/bold]" in result.stdout and "[ bold ]" in result.stdout


def test_tags_are_scored_where_gold_has_them(hand_tagger, tmp_path):
    gold = tmp_path / "g.conllu"
    gold.write_text("1\tI\t_\t_\tPRP\t_\t_\t_\t_\t_\n2\tstudy\t_\t_\tVBP\t_\t_\t_\t_\t_\n\n", encoding="utf-8")
    result = run("eval", "tagger", "--raw", "-m", hand_tagger, "--tokenizer", "treebank", "--data", gold, "--json")
    scores = json.loads(result.stdout)["scores"]
    assert "UPOS" not in scores and scores["XPOS"]["correct"] == 2 and scores["Words"]["f1"] == 1.0


def test_real_process():
    result = subprocess.run([sys.executable, "-m", "rnncli", "eval", "tokenizer", "--tokenizer", "treebank", "--data", GOLD, "--json"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["scores"]["Tokens"]["correct"] == 17


@pytest.mark.slow
@pytest.mark.skipif(not EWT.is_dir(), reason="needs UD EWT in $RNNCLI_DATA (see DATA.md)")
def test_ewt_dev_against_the_official_script(tmp_path):
    gold = EWT / "en_ewt-ud-dev.conllu"
    raw = tmp_path / "raw.txt"
    raw.write_text(raw_text(read_conllu_file(gold)), encoding="utf-8")
    tagged = subprocess.run([sys.executable, "-m", "rnncli", "tag", "-m", "rnn", "-I", "text", "-f", "conllu",
                             "--input", raw], capture_output=True, text=True, timeout=300, check=True)
    system = tmp_path / "system.conllu"
    system.write_text(with_dummy_trees(tagged.stdout), encoding="utf-8")
    result = run("eval", "tagger", "--raw", "-m", "rnn", "--data", gold, "--json")
    scores = json.loads(result.stdout)["scores"]
    assert {name: (s["correct"], s["gold"], s["system"], s["aligned"]) for name, s in scores.items()} \
        == official_counts(gold, system)
    assert 0.92 < scores["UPOS"]["f1"] < 0.96 and 0.98 < scores["Tokens"]["f1"] < 1


def test_eval_tokenizer_counts_one_in_the_singular(tmp_path):
    gold = tmp_path / "one.conllu"
    gold.write_text("# text = cannot\n1-2\tcannot\t_\t_\t_\t_\t_\t_\t_\t_\n1\tcan\t_\t_\t_\t_\t_\t_\t_\t_\n"
                    "2\tnot\t_\t_\t_\t_\t_\t_\t_\t_\n\n")
    result = run("eval", "tokenizer", "--tokenizer", "treebank", "--data", gold, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"treebank tokenizer on {gold}: 1 sentence, 2 words\n")
    assert "tokenization mismatches: 1 gold token in 1 kind; the most frequent:" in result.stdout


def upos_only(tagger: Path, out: Path) -> Path:
    """The hand tagger without its XPOS head: a model with one tag set."""
    meta, tensors = read_tensors(tagger)
    config = dict(meta["config"], heads={"upos": meta["config"]["heads"]["upos"]})
    tensors = {k: v for k, v in tensors.items() if not k.startswith("heads.xpos")}
    return save_model(out, tensors, dict(meta, name="upos-only", config=config,
                                         labels={"upos": meta["labels"]["upos"]}), dtype="float32")


@pytest.mark.parametrize("raw", [False, True], ids=["gold tokens", "raw text"])
def test_a_tag_set_a_model_lacks_is_not_scored_zero_beside_one_that_has_it(hand_tagger, tmp_path, raw):
    """Side by side, the model without an XPOS head showed 0.00% and a difference of -100 points."""
    one = upos_only(hand_tagger, tmp_path / "upos-only.safetensors")
    args = ["--raw", "--tokenizer", "treebank"] if raw else []
    result = run("eval", "tagger", *args, "-m", hand_tagger, "-m", one, "--data", GOLD, env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if ("XPOS F1" if raw else "PTB accuracy") in line)
    cells = [cell.strip() for cell in row.split("│")]
    assert cells[2:] == ["-", "-"] and cells[1].endswith("%") and "0.00%" not in row


@pytest.mark.parametrize("args, message", [
    (["--tagset", "ptb"], "--tagset and --confusions are for the gold tokens' scores: leave out --raw"),
    (["--confusions", "3"], "--tagset and --confusions are for the gold tokens' scores"),
], ids=["tagset", "confusions"])
def test_raw_refuses_the_options_of_gold_token_scores(hand_tagger, args, message):
    result = run("eval", "tagger", "--raw", "-m", hand_tagger, "--data", GOLD, *args)
    assert result.exit_code == 2 and message in result.stderr


def test_a_gold_file_that_tags_some_words_and_not_others_is_an_error_at_the_word(hand_tagger, tmp_path):
    """`_` was counted as a gold tag: UPOS 50% for a model that tagged both words right."""
    gold = tmp_path / "g.conllu"
    gold.write_text("# text = I study\n1\tI\t_\tPRON\tPRP\t_\t_\t_\t_\t_\n2\tstudy\t_\t_\tVBP\t_\t_\t_\t_\t_\n\n",
                    encoding="utf-8")
    raw = run("eval", "tagger", "--raw", "-m", hand_tagger, "--tokenizer", "treebank", "--data", gold)
    assert raw.exit_code == 1 and (f"{gold}:1: the sentence that starts here has a word without a UPOS tag ('study'), "
                                   "where other words") in raw.stderr
    tokens = run("eval", "tagger", "-m", hand_tagger, "--data", gold)
    assert tokens.exit_code == 1 and f"{gold}:3: a word without a UPOS tag ('study')" in tokens.stderr


@pytest.mark.parametrize("text_form", ["NFD", "NFC"])
def test_a_gold_file_in_nfd_is_scored_as_the_same_text(hand_tagger, tmp_path, text_form):
    """A gold file spelling é as e + U+0301 (NFD) was refused: `the system's tokens do not spell
    the gold text ... gold has 'éolé.', the system 'éolé.'`, since rnncli reads text in NFC; a
    `# text` in NFC over forms in NFD was refused too. Both are now scored as the same text."""
    import unicodedata

    nfd = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
    text = unicodedata.normalize(text_form, "Café olé. Très bien.")
    gold = tmp_path / "nfd.conllu"
    gold.write_text(f"# text = {text}\n" + "".join(
        f"{i}\t{nfd(form)}\t_\t{tag}\t_\t_\t_\t_\t_\t{misc}\n" for i, (form, tag, misc) in enumerate(
            [("Café", "NOUN", "_"), ("olé", "NOUN", "SpaceAfter=No"), (".", "PUNCT", "_"), ("Très", "ADV", "_"),
             ("bien", "ADV", "SpaceAfter=No"), (".", "PUNCT", "_")], start=1)) + "\n", encoding="utf-8")
    tokens = run("eval", "tokenizer", "--tokenizer", "treebank", "--data", gold, "--json")
    assert tokens.exit_code == 0, tokens.output
    assert json.loads(tokens.stdout)["scores"]["Tokens"]["gold"] == 6
    tagged = run("eval", "tagger", "--raw", "-m", hand_tagger, "--tokenizer", "treebank", "--data", gold, "--json")
    assert tagged.exit_code == 0, tagged.output
    assert json.loads(tagged.stdout)["scores"]["Words"]["f1"] == 1.0


@pytest.mark.skipif(shutil.which("awk") is None, reason="needs awk")
def test_the_readmes_awk_line_gives_the_tree_the_official_script_reads(hand_tagger, tmp_path):
    """The README's way to score `rnncli tag -f conllu` output with conll18_ud_eval.py (which
    refuses HEAD `_`): its awk line gives the tests' dummy tree, multiword ranges and empty nodes
    untouched."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    awk = next(line[2:] for line in readme.splitlines() if line.startswith("$ awk "))
    raw = tmp_path / "raw.txt"
    raw.write_text(raw_text(read_conllu_file(GOLD)), encoding="utf-8")
    (tmp_path / "out.conllu").write_text(run("tag", "-m", hand_tagger, "-f", "conllu", "--input", raw).stdout,
                                         encoding="utf-8")
    subprocess.run(["bash", "-c", awk], cwd=tmp_path, check=True, timeout=60)
    tree = (tmp_path / "tree.conllu").read_text(encoding="utf-8")
    assert tree == with_dummy_trees((tmp_path / "out.conllu").read_text(encoding="utf-8")) and "\t0\troot\t" in tree
    assert "-" in "".join(line.split("\t")[0] for line in tree.splitlines())  # the fixture has multiword tokens
    assert official_counts(GOLD, tmp_path / "tree.conllu")["Tokens"][0] > 0
