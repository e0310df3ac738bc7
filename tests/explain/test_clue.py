"""The clue experiment (the lecture's "Korea"): its items, its measures on hand-made scores,
a model that remembers only so far, the batched forward pass it rests on, and the command."""

import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from rnncli.cli.app import app
from rnncli.errors import RnnCliError
from rnncli.explain import clue
from rnncli.infer.lm import LanguageModel
from rnncli.model.bundled import open_model
from rnncli.model.model_file import load_model

runner = CliRunner()
K = len(clue.PAIRS)


def test_the_filler_never_names_a_country_or_language_and_runs_have_n_words():
    sentences = clue.filler_sentences("I went to Spain. We stayed home. Koreans are here. It rained all day!")
    assert sentences == [["We", "stayed", "home."], ["It", "rained", "all", "day!"]]
    bundled = clue.filler_sentences(clue.bundled_filler())
    assert len(bundled) > 400 and not any(re.search("(?i)korea|french|japan", " ".join(s)) for s in bundled)
    runs = clue.draw_fillers(bundled, 25, 30, np.random.default_rng(4))
    assert all(len(run.split()) == 25 and run[-1] in ".!?" for run in runs)
    assert runs == clue.draw_fillers(bundled, 25, 30, np.random.default_rng(4))  # the same seed, the same runs
    starts = [" ".join(s[:3]) for s in bundled]
    assert all(any(run.startswith(start) for start in starts) for run in runs)  # each begins a sentence
    assert clue.draw_fillers(bundled, 0, 3, np.random.default_rng(0)) == ["", "", ""]
    with pytest.raises(RnnCliError, match="fewer than 99 words"):
        clue.draw_fillers([["Just", "this."]], 99, 1, np.random.default_rng(0))


def test_items_put_every_country_before_the_same_filler():
    texts = clue.item_texts("We stayed home.")
    assert texts[0] == "I grew up in Korea. We stayed home. I will study until English is as easy as"
    assert len(texts) == K and texts[-1].startswith("I grew up in Sweden. We stayed")
    assert clue.item_texts("")[1] == "I grew up in Italy. I will study until English is as easy as"


def test_measures_on_hand_made_scores():
    prior = np.log(np.linspace(1, 2, K))  # each language's own log-probability: Swedish likeliest
    m = np.tile(prior, (2, K, 1))  # (F=2, K clues, K languages)
    m[1] += 3.0 * np.eye(K)  # the second filler: the clue adds 3 nats to its language
    out = {key: values.mean(axis=1) for key, values in clue.measures(m).items()}  # per filler
    np.testing.assert_allclose(out["gain"], [0.0, 3.0 - 3.0 / K])
    assert out["accuracy"][0] == pytest.approx(1 / K)  # no memory: the prior's favourite, right once in K
    assert out["accuracy"][1] == 1.0 and out["p_right"][1] > 0.6
    assert out["p_right"][0] == pytest.approx(1 / K)  # no memory: 1/K on average over the clues
    low, high = clue.interval(clue.measures(m)["gain"], np.random.default_rng(0))
    assert -1e-9 < low < high <= 3.0 - 3.0 / K


def test_copies_of_one_filler_do_not_narrow_the_interval():
    """At 0 words every filler is empty, so its items are copies: the interval is the
    countries' alone, however many copies. Here one country of 12 carries the whole gain, and
    a resample without it (about a third of them) has none."""
    row = np.zeros(K)
    row[1] = 0.3  # only Italy's clue raises its language
    for copies in (2, 120):
        low, high = clue.interval(np.tile(row, (copies, 1)), np.random.default_rng(0))
        assert low == 0.0 and 0.05 < high < 0.1


class RemembersSoFar:
    """A stand-in language model that knows the country when it is at most `reach` characters back."""

    def __init__(self, reach: int):
        self.reach = reach

    def continuations(self, prefixes, candidates):
        out = np.zeros((len(prefixes), len(candidates[0])))
        for b, prefix in enumerate(prefixes):
            country = re.match(r"I grew up in (\w+)\.", prefix).group(1)
            if len(prefix) - prefix.index(".") <= self.reach:
                out[b, [c for c, _ in clue.PAIRS].index(country)] = 2.0
        return out


def test_a_model_that_remembers_only_so_far_is_seen_to():
    result = clue.clue_experiment([("near", RemembersSoFar(120)), ("none", RemembersSoFar(0))],
                                  distances=(0, 10, 40), fillers=8, seed=1, seeds=2)
    near = {r.distance: r for r in result.rows if r.model == "near"}
    assert near[0].accuracy == 1.0 and near[0].gain == pytest.approx(2 - 2 / K) and near[0].items == 2 * 8 * K
    assert near[40].accuracy == pytest.approx(1 / K) and near[40].gain == 0.0 and near[40].characters > 200
    assert all(r.accuracy == pytest.approx(1 / K) and r.gain == 0 for r in result.rows if r.model == "none")
    low, high = near[10].gain_ci
    assert 0 < low <= near[10].gain <= high <= 2 - 2 / K + 1e-12 and len(near[10].accuracy_per_seed) == 2
    assert result.findings()[1].startswith("none: no clear trace")
    assert re.match(r"near: the clue still raises the right language (0|10) filler words later", result.findings()[0])
    assert json.loads(json.dumps(result.to_dict()))["settings"]["seeds"] == [1, 2]


@pytest.mark.parametrize("kwargs, message", [({"distances": ()}, "at least one distance"),
                                             ({"distances": (-1,)}, "distance"), ({"fillers": 1}, "fillers"),
                                             ({"seeds": 0}, "seeds")])
def test_bad_settings_are_usage_errors(kwargs, message):
    with pytest.raises(RnnCliError, match=message) as caught:
        clue.clue_experiment([("m", RemembersSoFar(0))], **kwargs)
    assert caught.value.exit_code == 2


def test_numpy_whole_numbers_are_settings_like_any_other():
    """clue_experiment refused seed=np.int64(3), which LanguageModel.generate takes: two checks of one rule."""
    result = clue.clue_experiment([("m", RemembersSoFar(0))], distances=(np.int64(0),), fillers=np.int64(2),
                                  seed=np.int64(3), seeds=np.int64(1))
    settings = json.loads(json.dumps(result.to_dict()))["settings"]
    assert settings["fillers"] == 2 and settings["distances"] == [0]
    with pytest.raises(RnnCliError, match=r"seed must be a whole number from 0 to 4,294,967,295, not np.int64\(-1\)"):
        clue.clue_experiment([("m", RemembersSoFar(0))], seed=np.int64(-1))


def test_batched_reading_equals_one_text_at_a_time(tiny_lm):
    lm = LanguageModel(load_model(tiny_lm.out))
    texts = ["the cat sat", "a", "on the mat the cat"]
    logp, state = lm.lm.read_many(texts)
    for b, text in enumerate(texts):
        alone, alone_state = lm.lm.read(text)
        np.testing.assert_allclose(logp[b], alone, atol=1e-5)
        np.testing.assert_allclose(state[0][0][b], alone_state[0][0][0], atol=1e-5)
    scores = lm.continuations(["the cat", "the"], [[" sat", " mat."], [" dog", "x"]])
    for b, (prefix, options) in enumerate([("the cat", [" sat", " mat."]), ("the", [" dog", "x"])]):
        for k, option in enumerate(options):
            expected, (logp_next, state) = 0.0, lm.lm.read(prefix)
            for ch in option:
                expected += logp_next[lm.lm.index.get(ch, 1)]
                logp_next, state = lm.lm.read(ch, state)
            assert scores[b, k] == pytest.approx(expected, abs=1e-4)


def test_the_command_prints_tsv_and_json(tiny_lm, tmp_path):
    out = runner.invoke(app, ["experiment", "clue", "-m", tiny_lm.out, "--distances", "0,3", "--fillers", "2"])
    assert out.exit_code == 0, out.output
    lines = [line.split("\t") for line in out.output.splitlines()]
    assert lines[0][:4] == ["model", "distance", "items", "accuracy"] and [r[1] for r in lines[1:]] == ["0", "3"]
    assert all(r[2] == str(3 * 2 * K) for r in lines[1:])  # 3 seeds by default
    record = json.loads(runner.invoke(app, ["experiment", "clue", "-m", tiny_lm.out, "--distances", "2",
                                            "--fillers", "2", "-f", "json"]).output)
    assert record["chance"] == pytest.approx(1 / K, rel=1e-3) and record["rows"][0]["distance"] == 2


def test_the_command_refuses_bad_options_and_short_filler_in_one_line(tiny_lm, tmp_path):
    short = tmp_path / "short.txt"
    short.write_text("One sentence only. And Korea is named here.\n", encoding="utf-8")
    binary = tmp_path / "binary.dat"
    binary.write_bytes(bytes(range(256)) * 8)
    for args, message in ((["--distances", "5", "--filler", short], "fewer than 5 words"),
                          (["--filler", "/dev/zero"], "binary"), (["--filler", binary], "UTF-8"),
                          (["--filler", tmp_path], "folder"),
                          (["--distances", "-3"], "--distances"), (["--fillers", "1"], "--fillers"),
                          (["--filler", tmp_path / "missing.txt"], "missing.txt")):
        out = runner.invoke(app, ["experiment", "clue", "-m", tiny_lm.out, *map(str, args)])
        assert out.exit_code != 0 and message in out.output and "Traceback" not in out.output, out.output


@pytest.mark.slow
def test_the_bundled_language_models_on_the_clue():
    """The bundled models' figures as the README quotes them, on a smaller draw: the LSTM's mean gain is
    Italy's ("Ital" carried to "Italian"), no clear trace over the 12 countries."""
    models = [(name, LanguageModel(open_model(name, "lm"))) for name in ("lm-rnn", "lm-lstm")]
    result = clue.clue_experiment(models, distances=(0, 20), fillers=10)
    rows = {(r.model, r.distance): r for r in result.rows}
    assert all(abs(rows["lm-rnn", d].gain) < 0.001 for d in (0, 20))  # no trace of the clue, even 42 characters on
    lstm = rows["lm-lstm", 0]
    assert lstm.gain > clue.CLEAR_GAIN and lstm.gain_ci[0] < 0 < lstm.gain_ci[1]  # a mean gain, not across countries:
    assert lstm.gain_by_country["Italy"] > 0.25 > max(g for c, g in lstm.gain_by_country.items() if c != "Italy")
    assert 0 < rows["lm-lstm", 20].gain_by_country["Italy"] < lstm.gain_by_country["Italy"]  # fading with distance
    assert all(r.accuracy == pytest.approx(1 / K) for r in result.rows)  # the prior still picks the word
    assert all(line.startswith(f"{name}: no clear trace") for line, name in zip(result.findings(), ("lm-rnn", "lm-lstm")))
    assert "Italy +0.3" in result.findings()[1] and result.to_dict()["findings"] == result.findings()
    assert result.findings()[0].endswith("with its interval above 0).")  # the RNN's largest, +0.000, is not named


def test_scoring_in_chunks_changes_nothing(monkeypatch):
    model, fillers = RemembersSoFar(90), ["We stayed home.", "", "It rained all day and all night.", "Yes."] * 2
    whole = clue.clue_scores(model, fillers)
    monkeypatch.setattr(clue, "CHUNK", 3)
    np.testing.assert_array_equal(clue.clue_scores(model, fillers), whole)
    assert whole.shape == (8, K, K)


def test_the_table_fits_80_columns_and_cuts_no_number():
    from rich.console import Console

    from rnncli.cli.views.experiment import clue_table

    result = clue.clue_experiment([("lm-lstm", RemembersSoFar(120)), ("lm-rnn", RemembersSoFar(0))],
                                  distances=(0, 40), fillers=4)
    for width in (80, 120):
        console = Console(width=width, record=True, color_system=None)
        clue_table(console, result)
        text = console.export_text()
        assert "…" not in text and max(map(len, text.splitlines())) <= width
        assert "+1.833" in text and ("seeds" in text.splitlines()[0]) == (width == 120)


def test_a_model_name_with_rich_markup_is_printed_as_it_is():
    from rich.console import Console

    from rnncli.cli.views.experiment import clue_table

    result = clue.clue_experiment([("[bold]m[/bold].safetensors", RemembersSoFar(0))], distances=(0,), fillers=2)
    console = Console(width=100, record=True, color_system=None)
    clue_table(console, result)
    text = console.export_text()
    assert text.count("[bold]m[/bold].safetensors") == 2  # in the table and in the finding
