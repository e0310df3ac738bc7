"""Scoring a tagger against gold tags (evaluate.scores.evaluate_tagger)."""

import pytest

from rnncli.data.tagged import TaggedSentence
from rnncli.errors import RnnCliError
from rnncli.evaluate.scores import evaluate_tagger
from rnncli.model.model_file import load_model


def test_data_without_any_of_the_models_tag_sets_is_an_error_not_zero_tokens(hand_tagger):
    """Gold data tagged only in a tag set the model lacks printed "0 tokens" and exited 0."""
    model = load_model(hand_tagger, "tagger")
    other = TaggedSentence(["I", "fish"], {"stts": ["PPER", "VVFIN"]})
    with pytest.raises(RnnCliError, match="the data has none of the tag sets .* nothing to score"):
        evaluate_tagger(model, [other])
    gold = {name: [labels[0], labels[0]] for name, labels in model.labels.items()}
    report = evaluate_tagger(model, [TaggedSentence(["I", "fish"], gold)])
    assert set(report.tagsets) == set(model.labels)
