"""Raw text rebuilt from gold CoNLL-U (segmentation.raw_text): `# text`, SpaceAfter=No between
sentences, paragraphs."""

import pytest

from conftest import EWT, FIXTURES
from rnncli.text.conllu import read_conllu
from rnncli.data.common import read_conllu_file
from rnncli.text.segmentation import paragraphs, raw_text

GOLD = FIXTURES / "raw-gold.conllu"


def sentences(text: str):
    return list(read_conllu(text.splitlines(keepends=True)))


def row(i, form, misc="_"):
    return f"{i}\t{form}\t_\t_\t_\t_\t_\t_\t_\t{misc}\n"


def test_the_fixture():
    # paragraphs at # newpar and # newdoc; no space after "me." (SpaceAfter=No); the sentence
    # without # text ("You cannot.") rebuilt from its tokens, the multiword token whole
    assert raw_text(read_conllu_file(GOLD)) == ("I don't like ice-cream. Its fine :) Call me.Thanks!!!\n\n"
                                                "Mail a@b.com or see Dr. Who\n\n"
                                                "You cannot. It is so-called art.\n")


def test_paragraphs_and_documents():
    one, two = "# text = One.\n" + row(1, "One.") + "\n", "# text = Two.\n" + row(1, "Two.") + "\n"
    assert raw_text(sentences(one + two)) == "One. Two.\n"  # no marks: one paragraph
    assert raw_text(sentences("# newdoc\n" + one + "# newpar id = p2\n" + two)) == "One.\n\nTwo.\n"
    assert raw_text(sentences(one + "# newdoc id = d2\n" + two)) == "One.\n\nTwo.\n"
    assert raw_text(sentences(one + "# newparagraph\n" + two)) == "One. Two.\n"  # not a mark
    assert raw_text([]) == ""


def test_tokens_skip_words_of_multiword_tokens_and_empty_nodes():
    text = row("1-2", "cannot", "SpaceAfter=No") + row(1, "can") + row(2, "not") + row("2.1", "x") + row(3, ".")
    ((tokens,),) = [p.sentences for p in paragraphs(sentences(text))]
    assert [(t.words, t.space_after) for t in tokens] == [(["can", "not"], False), (["."], True)]
    assert raw_text(sentences(text)) == "cannot.\n"


@pytest.mark.slow
@pytest.mark.skipif(not EWT.is_dir(), reason="needs UD EWT in $RNNCLI_DATA (see DATA.md)")
@pytest.mark.parametrize("split", ["dev", "test"])
def test_ewt_text_holds_every_sentence_and_every_token(split):
    gold = read_conllu_file(EWT / f"en_ewt-ud-{split}.conllu")
    text = raw_text(gold)
    at = 0
    found = [s for p in paragraphs(gold) for s in p.sentences]
    assert len(found) == len(gold)
    for sentence, tokens in zip(gold, found):  # each # text, in order, followed by a space only where SpaceAfter says
        at = text.index(sentence.comment("text"), at) + len(sentence.comment("text"))
        assert text[at] in " \n" if tokens[-1].space_after else text[at] != " "
    assert "".join(text.split()) == "".join(w for s in found for t in s for w in t.words)
    assert text.count("\n\n") + 1 == sum(any(c.startswith("# newpar") for c in s.comments) for s in gold)
