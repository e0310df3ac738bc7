"""Tag sets named for what they are: XPOS is PTB for English, STTS for German, else XPOS;
`--tagset xpos` everywhere, `ptb` only where the tags are Penn Treebank tags."""

from __future__ import annotations

import pytest

from rnncli.errors import RnnCliError
from rnncli.model.tagsets import chosen_head, display, head_names, xpos_name

STTS = ["$.", "ADJA", "APPR", "APPRART", "ART", "NE", "NN", "VAFIN", "VVFIN"]
PTB = [".", "DT", "IN", "NN", "NNS", "PRP", "VBZ"]
KAIST = ["ncn", "ncn+jca", "sf", "pvg+ep+ef"]


def test_xpos_tags_are_named_by_what_they_are():
    assert (xpos_name(PTB), xpos_name(STTS), xpos_name(KAIST)) == ("PTB", "STTS", "XPOS")


def test_reports_name_a_head_by_its_tags_and_say_xpos_when_they_are_unknown():
    assert head_names({"upos": ["NOUN"], "xpos": STTS}) == {"upos": "UPOS", "xpos": "STTS"}
    assert head_names({"upos": ["NOUN"], "xpos": KAIST})["xpos"] == "XPOS"
    assert head_names({"label": ["negative", "positive"]}) == {"label": "accuracy"}
    assert (display("xpos"), display("xpos", PTB), display("upos", PTB)) == ("XPOS", "PTB", "UPOS")


def test_xpos_is_asked_for_as_xpos_and_as_ptb_only_for_penn_treebank_tags():
    assert chosen_head({"upos": ["NOUN"], "xpos": STTS}, "xpos", "de.safetensors") == ("xpos", "xpos")
    assert chosen_head({"upos": ["NOUN"], "xpos": PTB}, "ptb", "en.safetensors") == ("ptb", "xpos")
    assert chosen_head({"upos": ["NOUN"], "xpos": PTB}, None, "en.safetensors") == ("upos", "upos")
    with pytest.raises(RnnCliError, match="XPOS tags are STTS, not Penn Treebank tags; use --tagset xpos"):
        chosen_head({"upos": ["NOUN"], "xpos": STTS}, "ptb", "de.safetensors")


def test_a_tag_set_with_a_slash_in_a_tag_is_dropped_with_a_warning():
    from rnncli.data.tagged import TaggedSentence, tag_sets

    heard = []
    sentences = [TaggedSentence(["我们", "/"], {"upos": ["PRON", "SYM"], "xpos": ["PRP", "/"]})]
    assert tag_sets(sentences, heard.append) == ["upos"]
    assert len(heard) == 1 and "XPOS tags include '/'" in heard[0]
