"""Running a loaded model on input (numpy only, no torch).

- tagger.py: tagging sentences, a probability per tag.
- sentiment.py: classifying texts, a probability per label.
- tokenizer.py: the character-level tokenizer and sentence splitter.
- unfamiliar.py: input that does not fit the tokenizer (a script it never saw).
- lm.py: a character language model's next words and sampled text.
- sampling.py: the checks of what a language model may be asked (counts, temperature, seed).
- parallel.py: batches worked on by several processes (`--jobs`), results in input order.
- blas.py: one BLAS thread while a forward pass runs, for callers of the Python API.
"""
