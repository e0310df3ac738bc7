"""The public Python API, called as a user would: exact answers from the hand-set tagger,
NLTK's tagger interface, sentiment, loading by name, and a light `import rnncli`."""

import json
import pickle
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

import rnncli
from conftest import HAND_PTB, hand_probs
from rnncli.cli.app import app
from rnncli.errors import RnnCliError
from rnncli.model import tagsets


def test_import_rnncli_is_light():
    code = ("import sys, rnncli; rnncli.__version__\n"
            "print(sorted(m for m in ('numpy', 'torch', 'typer', 'rich', 'nltk') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout == "[]\n", result.stderr


def test_tagger_is_an_nltk_style_tagger(hand_tagger):
    tagger = rnncli.Tagger(str(hand_tagger))
    assert tagger.tag(["I", "study", "at", "night", "."]) == [("I", "PRON"), ("study", "VERB"), ("at", "ADP"),
                                                               ("night", "NOUN"), (".", "PUNCT")]
    assert tagger.tag_sents([["They", "can", "fish"], [], ["I"]]) == [
        [("They", "PRON"), ("can", "AUX"), ("fish", "NOUN")], [], [("I", "PRON")]]
    ptb = rnncli.Tagger(str(hand_tagger), tagset="ptb")
    assert ptb.tag(["They", "can", "fish"]) == [("They", HAND_PTB["PRON"]), ("can", "MD"), ("fish", "NN")]


def test_tagged_sentences_carry_every_probability(hand_tagger):
    (first, second) = rnncli.Tagger(str(hand_tagger)).tag_text("I study at night. The cat can fish.")
    assert first.text == "I study at night." and first.tagset == "upos" and len(second.tokens) == 5
    token = first.tokens[1]
    assert (token.text, token.tag) == ("study", "VERB") and token.prob == pytest.approx(0.6, abs=1e-6)
    assert token.probs == pytest.approx(hand_probs("study"), abs=1e-6)
    assert rnncli.Tagger(str(hand_tagger)).tag_tokens([["can't", "fish"]])[0].pairs() == [("can't", "NOUN"),
                                                                                        ("fish", "NOUN")]


def test_any_string_is_a_token_as_in_nltk(hand_tagger):
    """NLTK's taggers tag `New York`, `500 000` and "" (UD French-Sequoia has 67 words with a
    space); rnncli refused them, so accuracy() and a backoff chain failed on such gold data.
    Each is one token, read with `_` for its whitespace, and keeps its own text."""
    tagger = rnncli.Tagger(str(hand_tagger))
    for tokens in (["New York", "fish"], ["500 000", "fish"], ["", "fish"], ["a\x00b", "fish"], ["\u200b", "fish"],
                   ["a\x7fb", "fish"], ["a\tb\nc", "fish"]):  # control characters and U+200B read as spaces
        pairs = tagger.tag(tokens)
        assert [word for word, _ in pairs] == tokens and pairs[1] == ("fish", "NOUN")
    assert tagger.tag(["New York"])[0][1] == tagger.tag(["New_York"])[0][1]  # read alike
    bom = tagger.tag_sents([["\ufeff", "dog", "fish"], ["\ufeffI", "fish"]])  # a line's leading BOM was dropped:
    assert [[w for w, _ in s] for s in bom] == [["\ufeff", "dog", "fish"], ["\ufeffI", "fish"]]  # a token lost
    assert bom[0][2] == ("fish", "NOUN") and [t for _, t in bom[1]] == [t for _, t in tagger.tag(["I", "fish"])]
    with pytest.raises(RnnCliError, match="^tokens are strings, not NoneType$"):
        tagger.tag([None])


def test_tagger_refuses_what_it_cannot_do(hand_tagger, tiny_sentiment):
    with pytest.raises(RnnCliError, match="a sentiment model, where a tagger model is needed"):
        rnncli.Tagger(str(tiny_sentiment))
    with pytest.raises(RnnCliError, match="tagset is one of upos, xpos, ptb, universal"):
        rnncli.Tagger(str(hand_tagger), tagset="stts")
    with pytest.raises(RnnCliError, match="^m.safetensors: this model has no xpos tags, only upos$"):
        tagsets.chosen_head(["upos"], "xpos", "m.safetensors")  # a model of one head
    assert rnncli.Tagger(str(hand_tagger), tagset="UPOS").tagset == "upos"  # any case, as NLTK users write it
    with pytest.raises(RnnCliError, match="an lm model, where a tagger model is needed"):  # not "a lm"
        rnncli.Tagger("lm-lstm")


def test_sentiment_predicts_one_result_per_text(tiny_sentiment):
    classifier = rnncli.Sentiment(str(tiny_sentiment))
    results = classifier.predict(["a great film", "", "a boring film"])
    assert [r.text for r in results] == ["a great film", "", "a boring film"]
    assert [r.line for r in results] == [1, 2, 3]  # each text's place in the list, an empty one counted too
    assert results[0].label == "positive" and results[2].label == "negative" and results[1].label is None
    assert all(sum(r.probs.values()) == pytest.approx(1.0) for r in results[::2])
    assert classifier.predict("a great film")[0].probs == pytest.approx(results[0].probs, abs=1e-6)


def test_every_text_without_words_gets_no_answer_as_in_the_cli(tiny_sentiment):
    """Empty, blank, or only control characters (dropped as the CLI drops them): all read as
    no words, and get the CLI's blank record (label None), not a made-up label ("" was
    negative 0.514 through the API, a blank record through the CLI)."""
    texts = ["", "   ", "\x00", "\x01\x7f", "\u200b\u200b", "a great film"]
    results = rnncli.Sentiment(str(tiny_sentiment)).predict(texts)
    assert [r.text for r in results[:5]] == [""] * 5 and [r.line for r in results] == [1, 2, 3, 4, 5, 6]
    assert all(r.label is None and r.probs == {} for r in results[:5]) and results[5].label == "positive"
    piped = [t for t in texts if "\x00" not in t]  # the CLI refuses NUL bytes in its input
    cli = CliRunner().invoke(app, ["sentiment", "-m", str(tiny_sentiment), "-f", "jsonl"], input="\n".join(piped) + "\n")
    assert [json.loads(line)["label"] for line in cli.stdout.splitlines()] == [r.label for r in results if r.line != 3]


def test_load_by_name_or_file(hand_tagger, tiny_sentiment):
    assert isinstance(rnncli.load("tagger-rnn"), rnncli.Tagger)
    assert isinstance(rnncli.load("sentiment-lstm"), rnncli.Sentiment)
    assert isinstance(rnncli.load(str(tiny_sentiment)), rnncli.Sentiment)
    assert rnncli.load(str(hand_tagger)).tag(["I"]) == [("I", "PRON")]
    with pytest.raises(RnnCliError, match="no such file"):
        rnncli.load("nowhere/model.safetensors")


def test_explain_gradients_returns_explanations(tiny_model):
    (explanation,) = rnncli.explain_gradients("I study at night", models=[str(tiny_model)], task="tagger")
    assert explanation.name == "tiny-lstm" and len(explanation.grad_norms) == 4
    assert explanation.summary()["verdict"] in ("vanishes", "holds", "explodes")


def _no_text(tokens):
    yield from tokens


@pytest.mark.parametrize("call, message", [
    (lambda t, s: t.tag("hello"), "tag() takes a list of tokens, not str; for running text use tag_text()"),
    (lambda t, s: t.tag(None), "tag() takes a list of tokens, not NoneType"),
    (lambda t, s: t.tag(5), "tag() takes a list of tokens, not int"),
    (lambda t, s: t.tag_sents(["I run"]), "each sentence is a list of tokens, not str; for running text use"),
    (lambda t, s: t.tag_sents([None]), "each sentence is a list of tokens, not NoneType"),
    (lambda t, s: t.tag_sents(b"I run"), "tag_sents() takes a list of sentences, each a list of tokens, not bytes"),
    (lambda t, s: t.tag_tokens(7), "tag_sents() takes a list of sentences, each a list of tokens, not int"),
    (lambda t, s: t.tag_text(None), "tag_text() takes a str of running text, not NoneType"),
    (lambda t, s: t.tag_text(["I run"]), "tag_text() takes a str of running text, not list"),
    (lambda t, s: s.predict(None), "predict() takes a str or a list of them, not NoneType"),
    (lambda t, s: s.predict(b"good"), "predict() takes a str or a list of them, not bytes"),
    (lambda t, s: s.predict([None]), "predict() takes a str or a list of them; found a NoneType"),
    (lambda t, s: s.predict(["good", ["nested"]]), "predict() takes a str or a list of them; found a list"),
    (lambda t, s: rnncli.load(None), "a model is a bundled model's name or the path of a model file, not None"),
    (lambda t, s: rnncli.load(""), "a model is a bundled model's name or the path of a model file, not ''"),
    (lambda t, s: rnncli.load(["tagger-rnn"]), "not ['tagger-rnn']"),
    (lambda t, s: rnncli.Tagger(b"lstm"), "a model is a bundled model's name or the path of a model file, not b'lstm'"),
    (lambda t, s: rnncli.Tagger("lstm", tagset=5), "tagset is one of upos, xpos, ptb, universal (or None: the "
                                                   "model's default), not 5"),
    (lambda t, s: rnncli.Tagger("lstm", tagset=""), "tagset is one of upos, xpos, ptb, universal"),  # not the default
    (lambda t, s: rnncli.Tagger("lstm", tagset="en-ptb"), "not 'en-ptb'"),
    (lambda t, s: s.predict({"good": 1, "bad": 2}), "predict() takes a str or a list of them, not dict"),  # its keys
    (lambda t, s: t.tag_sents({("a",): 1}), "not dict"),
    (lambda t, s: t.tag({"I", "run"}), "tag() takes a list of tokens, not set"),  # in any order: it was tagged so
    (lambda t, s: s.predict(frozenset(["good"])), "not frozenset"),
    (lambda t, s: rnncli.explain_gradients(b"a film"), "explain_gradients() takes a str of text, not bytes"),
    (lambda t, s: rnncli.explain_gradients(["a", "film"]), "explain_gradients() takes a str of text, not list"),
    (lambda t, s: rnncli.explain_gradients("a film", models="rnn"), "models is a list of model names or paths, not str"),
    (lambda t, s: rnncli.explain_gradients("a film", models=[None]), "a model is a bundled model's name"),
], ids=lambda v: "" if callable(v) else v[:40])
def test_wrong_types_are_clear_errors(hand_tagger, tiny_sentiment, call, message):
    # a str where a list of tokens goes was tagged one character at a time; the rest were
    # TypeErrors and AttributeErrors from deep inside
    with pytest.raises(RnnCliError, match=re.escape(message)) as error:
        call(rnncli.Tagger(str(hand_tagger)), rnncli.Sentiment(str(tiny_sentiment)))
    assert error.value.exit_code == 2


def test_paths_and_iterables_are_welcome(hand_tagger, tmp_path):
    from pathlib import Path

    assert rnncli.load(Path(hand_tagger)).tag(_no_text(["I"])) == [("I", "PRON")]
    assert rnncli.Tagger(Path(hand_tagger)).tag_sents(iter([("I",), []])) == [[("I", "PRON")], []]
    with pytest.raises(RnnCliError, match="nowhere.safetensors: no such file"):  # was a TypeError for a Path
        rnncli.Tagger(tmp_path / "nowhere.safetensors")
    with pytest.raises(RnnCliError, match="nowhere.safetensors: no such file"):
        rnncli.Tagger(Path(hand_tagger), tokenizer=tmp_path / "nowhere.safetensors")


def test_load_refuses_a_tokenizer_by_what_load_does():
    with pytest.raises(RnnCliError, match="a tokenizer model; load returns a Tagger or a Sentiment"):
        rnncli.load("tokenizer-lstm")


def test_tagger_is_an_nltk_tagger_and_scores_as_one(hand_tagger):
    from nltk.tag import UnigramTagger
    from nltk.tag.api import TaggerI

    tagger = rnncli.Tagger(str(hand_tagger))
    assert isinstance(tagger, TaggerI)
    gold = [[("I", "PRON"), ("study", "VERB"), ("at", "ADP"), ("night", "VERB")], [("They", "PRON"), ("can", "AUX")]]
    assert tagger.accuracy(gold) == pytest.approx(5 / 6)  # "night" is NOUN to the hand tagger
    assert tagger.confusion(gold)["VERB", "NOUN"] == 1
    assert tagger.recall(gold)["VERB"] == pytest.approx(0.5) and tagger.precision(gold)["PRON"] == 1.0
    assert "NOUN" in tagger.f_measure(gold) and "Tag |" in tagger.evaluate_per_tag(gold)
    unigram = UnigramTagger([[("night", "X")]], backoff=tagger)  # the rnncli tagger as NLTK's backoff
    assert unigram.tag(["I", "study", "at", "night"]) == [("I", "PRON"), ("study", "VERB"), ("at", "ADP"),
                                                           ("night", "X")]


def test_an_nltk_backoff_question_about_a_set_of_words_is_refused(hand_tagger):
    """choose_tag tagged list(tokens): a set's words in whatever order the set holds them, where
    Tagger.tag refuses a set."""
    tagger = rnncli.Tagger(str(hand_tagger))
    with pytest.raises(RnnCliError, match="not set"):
        tagger.choose_tag({"I", "study"}, 0, [])
    assert [tagger.choose_tag(("I", "study"), i, []) for i in (0, 1)] == ["PRON", "VERB"]


def test_tagger_registers_with_nltk_loaded_after_it(hand_tagger):
    code = (f"import rnncli\nt = rnncli.Tagger({str(hand_tagger)!r})\n"
            "from nltk.tag.api import TaggerI\nprint(t.accuracy([[('I', 'PRON')]]), isinstance(t, TaggerI))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout == "1.0 True\n", result.stderr


def test_a_tagger_made_before_nltk_is_imported_is_an_nltk_tagger(hand_tagger):
    """isinstance was False until one of NLTK's methods had been called."""
    code = (f"import rnncli\nt = rnncli.Tagger({str(hand_tagger)!r})\nimport nltk\n"
            "from nltk.tag.api import TaggerI\nprint(isinstance(t, TaggerI), issubclass(rnncli.Tagger, TaggerI))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout == "True True\n", result.stderr
    pickled = pickle.dumps(rnncli.Tagger(str(hand_tagger)))  # and one unpickled in a fresh process
    code = ("import pickle, sys\nt = pickle.loads(sys.stdin.buffer.read())\nimport nltk\n"
            "from nltk.tag.api import TaggerI\nprint(isinstance(t, TaggerI))")
    result = subprocess.run([sys.executable, "-c", code], input=pickled, capture_output=True, timeout=60)
    assert result.stdout == b"True\n", result.stderr


def test_universal_tags_of_penn_treebank_tags_are_nltks_mapping():
    """A model with PTB tags gives the universal tags NLTK's own map gives its PTB tags (from UPOS,
    `$` was X where NLTK says `.`, `that` PRON where NLTK says DET, `n't` PRT where NLTK says ADV)."""
    from rnncli.model.tagsets import NLTK_PTB_TO_UNIVERSAL, PTB_TO_UNIVERSAL

    try:
        from nltk.tag.mapping import tagset_mapping

        nltk_map = {tag: u for tag, u in tagset_mapping("en-ptb", "universal").items() if "|" not in tag}
    except LookupError:  # NLTK's universal_tagset data is not installed
        nltk_map = None
    assert nltk_map is None or nltk_map == NLTK_PTB_TO_UNIVERSAL == {tag: PTB_TO_UNIVERSAL[tag] for tag in nltk_map}
    words = ["It", "costs", "$", "5", "that", "I", "do", "n't", "have", "."]
    ptb = rnncli.Tagger("lstm", tagset="ptb").tag(words)
    universal = rnncli.Tagger("lstm", tagset="universal").tag_tokens([words])[0]
    assert [t.tag for t in universal.tokens] == [PTB_TO_UNIVERSAL.get(tag, "X") for _, tag in ptb]
    assert [t.tag for t in universal.tokens][2:5] == [".", "NUM", "DET"] and universal.tokens[7].tag == "ADV"
    assert all(abs(sum(t.probs.values()) - 1) < 1e-5 for t in universal.tokens)
    hyphen = rnncli.Tagger("lstm", tagset="universal").tag(["a", "well", "-", "known", "author"])[2]
    assert hyphen == ("-", ".")  # EWT's HYPH, which NLTK's map lacks (X there), is punctuation as its UPOS says


def test_universal_tagset_is_nltks_twelve_tags(hand_tagger):
    tagger = rnncli.Tagger(str(hand_tagger), tagset="universal")
    assert tagger.tag(["They", "can", "fish", "."]) == [("They", "PRON"), ("can", "VERB"), ("fish", "NOUN"),
                                                         (".", ".")]  # AUX is VERB to NLTK
    (sentence,) = tagger.tag_tokens([["can"]])
    token = sentence.tokens[0]
    assert sentence.tagset == "universal" and set(token.probs) <= {"ADJ", "ADP", "ADV", "CONJ", "DET", "NOUN", "NUM",
                                                                   "PRT", "PRON", ".", "VERB", "X"}
    probs = hand_probs("can")
    assert token.probs["VERB"] == pytest.approx(probs["AUX"] + probs["VERB"], abs=1e-6)
    assert sum(token.probs.values()) == pytest.approx(1.0, abs=1e-5)


def test_the_api_runs_blas_on_one_thread_and_gives_the_threads_back(hand_tagger):
    from rnncli.infer.blas import one_blas_thread, thread_control

    control = thread_control()
    if control is None:
        pytest.skip("numpy's BLAS here is not OpenBLAS")
    control.set(2)
    seen = []
    with one_blas_thread():
        seen.append(control.get())
    assert seen == [1] and control.get() == 2
    rnncli.Tagger(str(hand_tagger)).tag(["I"])
    assert control.get() == 2


def test_dir_lists_the_public_names_for_tab_completion():
    code = "import sys, rnncli; print(set(rnncli.__all__) <= set(dir(rnncli)), 'numpy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout == "True False\n", result.stderr


def test_tokenizer_none_is_the_default_for_tagger_as_for_sentiment(hand_tagger, tiny_sentiment):
    """Tagger(tokenizer=None) said `a model is ... not None` where Sentiment took None as its default."""
    assert rnncli.Tagger(str(hand_tagger), tokenizer=None).tokenizer.name == "tokenizer-rnn"
    assert rnncli.Tagger(str(hand_tagger), tokenizer=None).tag_text("I go.")[0].pairs() == \
        rnncli.Tagger(str(hand_tagger)).tag_text("I go.")[0].pairs()


def test_the_package_docstring_shows_what_next_words_gives():
    """rnncli/__init__.py's example: [('the', 0.23), ('a', 0.08), ...] (it said 0.08 for 'the')."""
    words = rnncli.LanguageModel("lstm").next_words("I study at")
    assert [(w, round(p, 2)) for w, p in words[:2]] == [("the", 0.23), ("a", 0.08)]
    assert "[('the', 0.23), ('a', 0.08), ...]" in rnncli.__doc__


def test_explain_gradients_without_torch_says_what_to_install():
    """Without torch it raised a raw ModuleNotFoundError; the CLI said what to install."""
    code = ("import sys; sys.modules['torch'] = None; import rnncli\n"
            "try:\n    rnncli.explain_gradients('a film')\nexcept rnncli.api.RnnCliError as e:\n    print(e)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout == "explain_gradients() needs torch, which is not installed: pip install 'rnncli[train]'\n", \
        result.stderr
