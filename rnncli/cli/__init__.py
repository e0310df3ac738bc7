"""The command-line interface: parse options, call one library function, hand the result to a view.

Where things live:
  app.py         the Typer apps (rnncli, train, eval, experiment), --version, the one way every
                 command ends (error lines, exit codes), main(); it assembles the commands below
  options.py     choices, the options several commands share, checks of option values
  tag.py         rnncli tag
  sentiment.py   rnncli sentiment
  explain.py     rnncli explain-gradients (one text, --input corpus, --synthetic)
  models.py      rnncli models, rnncli info
  lm.py          rnncli next, rnncli generate, rnncli eval lm (a character language model)
  train.py       rnncli train tagger|sentiment|tokenizer|lm
  eval.py        rnncli eval sentiment|tagger|tokenizer
  experiment.py  rnncli experiment memory|tanh|clue
  streams.py     stdout and stderr that fail politely (full disk, closed pipe)
  views/         everything the user sees, one module per command (see views/__init__.py)

Here: ctrl_c_behind(), which rnncli/__main__.py needs before app.py can be imported.
"""


def ctrl_c_behind(exc: BaseException) -> bool:
    """Whether `exc` is a Ctrl-C or was caused by one: Python hands a KeyboardInterrupt raised
    while a class is made (in `__set_name__`, as dataclasses and functools do) on as the cause
    of a RuntimeError. Here, not in app.py, because rnncli/__main__.py asks before app.py has
    been imported."""
    while exc is not None:
        if isinstance(exc, KeyboardInterrupt):
            return True
        exc = exc.__cause__
    return False
