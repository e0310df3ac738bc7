"""Everything the user sees: each view takes a command's result and the output format and
writes it (tables for people, stable tsv/json/jsonl/tags/conllu for programs).

  console.py     the Rich consoles and their widths, the one isatty() check, error and warning lines
  formats.py     pieces several views share: probabilities, bars, score lines, JSON writers
  tag.py         rnncli tag
  sentiment.py   rnncli sentiment
  explain.py     rnncli explain-gradients
  models.py      rnncli models and rnncli info
  eval.py        rnncli eval (and its --json / --report)
  lm.py          rnncli next, generate and eval lm
  experiment.py  rnncli experiment
  progress.py    progress on stderr: training, and the experiments' step bar

Only these modules and the rest of rnncli.cli import rich; user text is never read as markup.
"""
