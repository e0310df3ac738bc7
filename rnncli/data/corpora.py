"""NLTK's labelled review corpora by name (`nltk:NAME` or `nltk:NAME:SPLIT`), read from NLTK_DATA:

* `movie_reviews`: 2,000 whole film reviews, each labelled by its document sentiment; split by
  review number (cv000-cv799 train, cv800-cv899 dev, cv900-cv999 test);
* `movie_review_sentences`: the sentences of `movie_reviews` weakly labelled by their review:
  those with at least one word of the review's polarity in NLTK's `opinion_lexicon` and none of
  the other (18,672 of 71,532), split as their reviews are;
* `pros_cons`: 45,875 "pros" (positive) and "cons" (negative) snippets from product reviews;
  every tenth snippet of each kind from the ninth on is dev, from the tenth on test;
* `product_reviews`: the review sentences of `product_reviews_1` and `product_reviews_2` (Hu and
  Liu's camera, phone and player reviews) whose annotated opinions (`[+2]`, `[-1]`) add up to a
  positive or a negative sum (sentences without opinions, or whose opinions cancel, are left
  out); split by whole review, every tenth review from the ninth on dev, from the tenth on test,
  so that no review has sentences on both sides;
* `opinion_lexicon`: Hu and Liu's 2,006 positive and 4,783 negative words less the 3 on both
  lists, each a one-word text labelled by its list (what a word says on its own, for the words
  of other domains: `delicious`, `overpriced`); every tenth word of each list from the ninth on
  is dev, from the tenth on test.

Never `sentence_polarity`: it holds SST's sentences, test split included.
"""

from __future__ import annotations

import re
from typing import Iterator

from rnncli.data.common import NLTK_READ_ERRORS, nltk_missing, nltk_unreadable
from rnncli.errors import RnnCliError

SPLITS = ("train", "dev", "test")
_SPLIT_CLITIC = re.compile(r"(?<=\w) ' (?=(?:s|re|ve|m|t|ll|d)\b)", re.IGNORECASE)  # it ' s
_SPLIT_HYPHEN = re.compile(r"(?<=[^\W\d_]) - (?=[^\W\d_])")  # pocket - sized
MOVIE_REVIEW_SPLITS = {"train": range(0, 800), "dev": range(800, 900), "test": range(900, 1000)}  # by cvNNN


def tenth_split(index: int) -> str:
    """The split of the index-th item of a corpus cut in tenths: 8 of 10 train, then dev, then test."""
    return {8: "dev", 9: "test"}.get(index % 10, "train")


def rejoined(words: list[str]) -> str:
    """The review corpora's tokens as one text, with the apostrophes and hyphens their tokenizer
    split off put back ("it ' s" -> "it's", "pocket - sized" -> "pocket-sized"), as the Treebank
    tokenizer would have left them."""
    return _SPLIT_HYPHEN.sub("-", _SPLIT_CLITIC.sub("'", " ".join(words)))


def _movie_reviews(nltk, whole: bool = True) -> Iterator[tuple[list[str], str, str]]:
    """Each review (`whole`), else each of its sentences, with the review's label and split."""
    reader = nltk.corpus.movie_reviews
    names = {"neg": "negative", "pos": "positive"}
    for fileid in reader.fileids():
        number = int(fileid.split("/")[1][2:5])
        split = next(s for s, numbers in MOVIE_REVIEW_SPLITS.items() if number in numbers)
        label = names[reader.categories(fileid)[0]]
        for words in [reader.words(fileid)] if whole else reader.sents(fileid):
            yield list(words), label, split


def _movie_review_sentences(nltk) -> Iterator[tuple[list[str], str, str]]:
    lexicon = nltk.corpus.opinion_lexicon
    words_of = {"positive": set(lexicon.positive()), "negative": set(lexicon.negative())}
    for words, label, split in _movie_reviews(nltk, whole=False):
        other = "negative" if label == "positive" else "positive"
        if any(w in words_of[label] for w in words) and not any(w in words_of[other] for w in words):
            yield words, label, split


def _pros_cons(nltk) -> Iterator[tuple[list[str], str, str]]:
    reader = nltk.corpus.pros_cons
    for category, label in (("Pros", "positive"), ("Cons", "negative")):
        for i, words in enumerate(reader.sents(categories=category)):
            if words:
                yield list(words), label, tenth_split(i)


def _product_reviews(nltk) -> Iterator[tuple[list[str], str, str]]:
    number = 0  # reviews, counted across both corpora
    for reader in (nltk.corpus.product_reviews_1, nltk.corpus.product_reviews_2):
        for fileid in reader.fileids():
            for review in reader.reviews(fileid):
                for line in review.review_lines:
                    strength = sum(int(score) for _, score in line.features)
                    if strength and line.sent:
                        yield list(line.sent), "positive" if strength > 0 else "negative", tenth_split(number)
                number += 1


def _opinion_lexicon(nltk) -> Iterator[tuple[list[str], str, str]]:
    lexicon = nltk.corpus.opinion_lexicon
    both = set(lexicon.positive()) & set(lexicon.negative())  # envious, enviously, enviousness
    for words, label in ((lexicon.positive(), "positive"), (lexicon.negative(), "negative")):
        for i, word in enumerate(w for w in words if w not in both):
            yield [word], label, tenth_split(i)


CORPORA = {"movie_reviews": _movie_reviews, "movie_review_sentences": _movie_review_sentences, "pros_cons": _pros_cons,
           "product_reviews": _product_reviews, "opinion_lexicon": _opinion_lexicon}
NEEDS = {"product_reviews": "product_reviews_1 and product_reviews_2", "movie_review_sentences":
         "movie_reviews and opinion_lexicon"}  # the NLTK data a corpus reads, where not its own name


def read_corpus(spec: str) -> list[tuple[str, str]]:
    """(text, label) of each text of `nltk:NAME[:SPLIT]` (see the module's docstring): its tokens
    separated by spaces (see rejoined)."""
    name, colon, split = spec[len("nltk:"):].partition(":")
    if name not in CORPORA:
        raise RnnCliError(f"{spec}: unknown corpus; labelled corpora: "
                          + ", ".join(f"nltk:{c}" for c in CORPORA))
    if colon and split not in SPLITS:  # `nltk:pros_cons:` too: a split left out by mistake
        raise RnnCliError(f"{spec}: unknown split {split!r}; use {', '.join(SPLITS)}")
    import nltk

    try:
        return [(rejoined(words), label) for words, label, part in CORPORA[name](nltk) if not split or part == split]
    except LookupError:
        raise nltk_missing(spec, NEEDS.get(name, name)) from None
    except NLTK_READ_ERRORS as e:
        raise nltk_unreadable(spec, NEEDS.get(name, name), e) from None
