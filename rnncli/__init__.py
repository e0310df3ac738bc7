"""rnncli: look at text through small recurrent neural networks.

A library first; `rnncli.cli.app` is a thin Typer layer over it. The public API (rnncli.api):

    import rnncli
    rnncli.Tagger("lstm").tag(["I", "study", "at", "night"])   # [('I', 'PRON'), ...]
    rnncli.Tagger("rnn").tag_text("I study at night.")         # sentences with each tag's probability
    rnncli.Sentiment("lstm").predict(["What a great film"])    # label and probabilities per text
    rnncli.LanguageModel("lstm").next_words("I study at")     # [('the', 0.23), ('a', 0.08), ...]
    rnncli.load("tagger-lstm")                                 # a bundled model or a file, by its task
    rnncli.explain_gradients("The film starts slow but ...")   # needs torch

`import rnncli` imports nothing heavy; the names above load numpy and the model code when
first used. Training: rnncli.train.
"""

__version__ = "0.1.0"

__all__ = ["Tagger", "Sentiment", "LanguageModel", "TaggedToken", "TaggedSentence", "SentimentResult", "load", "explain_gradients"]


def __dir__() -> list[str]:
    """The public names too (they load lazily), so tab completion in a Python shell shows them."""
    return sorted(set(globals()) | set(__all__))


def __getattr__(name: str):
    if name in __all__:
        from rnncli import api

        return getattr(api, name)
    raise AttributeError(f"module 'rnncli' has no attribute {name!r}")
