"""NLTK's tagger interface (`nltk.tag.api.TaggerI`) for `rnncli.Tagger`, without importing
nltk until one of its methods is used (importing nltk costs more than tagging a sentence).

NLTK's scoring methods (`accuracy`, `evaluate`, `confusion`, `evaluate_per_tag`, `precision`,
`recall`, `f_measure`) are NLTK's own, called on the rnncli tagger; `choose_tag` and
`tag_one` and `_taggers` let it be the `backoff=` of NLTK's sequential taggers (`UnigramTagger(train,
backoff=tagger)`). The tagger is registered as a virtual subclass of TaggerI as soon as nltk
is loaded, before or after the tagger was made, so `isinstance(tagger, TaggerI)` holds.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys

SCORING = ("accuracy", "evaluate", "confusion", "evaluate_per_tag", "precision", "recall", "f_measure",
           "_confusion_cached")


def _tagger_interface():
    """nltk.tag.api.TaggerI, with every rnncli tagger class registered with it."""
    from nltk.tag.api import TaggerI

    for cls in NltkTagger.__subclasses__():
        TaggerI.register(cls)
    return TaggerI


def register_with_nltk() -> None:
    """Register with TaggerI now when the caller has loaded nltk already, else as soon as it is
    loaded (_RegisterWhenLoaded); nltk is never imported here."""
    if "nltk.tag.api" in sys.modules:
        _tagger_interface()
    elif not any(isinstance(finder, _RegisterWhenLoaded) for finder in sys.meta_path):
        sys.meta_path.insert(0, _RegisterWhenLoaded())


class _RegisterWhenLoaded(importlib.abc.MetaPathFinder):
    """An import hook that, once, lets nltk.tag.api load as usual and then registers the rnncli
    taggers with its TaggerI (a tagger made before `import nltk` is an NLTK tagger too)."""

    def find_spec(self, name, path=None, target=None):
        if name != "nltk.tag.api":
            return None
        sys.meta_path.remove(self)  # once, and not for the lookup below
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
            run = spec.loader.exec_module

            def exec_module(module) -> None:
                run(module)
                _tagger_interface()

            spec.loader.exec_module = exec_module
        return spec


def _scoring(name: str):
    def method(self, *args, **kwargs):
        return getattr(_tagger_interface(), name)(self, *args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"NLTK's TaggerI.{name.lstrip('_')} (see nltk.tag.api), on this tagger."
    return method


class NltkTagger:
    """The part of TaggerI that a tagger with `tag` and `tag_sents` lacks."""

    _last: tuple[tuple[str, ...], list[str]] = ((), [])  # the sentence choose_tag tagged last, and its tags

    def __setstate__(self, state: dict) -> None:
        """An unpickled tagger (in another process) is registered with TaggerI as a new one is."""
        self.__dict__.update(state)
        register_with_nltk()

    @property
    def _taggers(self) -> list:
        """As NLTK's SequentialBackoffTagger: this tagger ends a backoff chain."""
        return [self]

    def choose_tag(self, tokens: list[str], index: int, history: list[str]) -> str:
        """The tag of tokens[index], as a backoff of NLTK's sequential taggers: the whole
        sentence is tagged once (the network reads it both ways), then looked up."""
        key = tuple(tokens)
        if self._last[0] != key:
            self._last = (key, [tag for _, tag in self.tag(tokens)])  # tag refuses a set (no order)
        return self._last[1][index]

    def tag_one(self, tokens: list[str], index: int, history: list[str]) -> str:
        """As SequentialBackoffTagger.tag_one: NLTK's trainers ask the backoff this."""
        return self.choose_tag(tokens, index, history)


for _name in SCORING:
    setattr(NltkTagger, _name, _scoring(_name))
