"""Training data read from standard files and NLTK's corpora, and the vocabularies built from it.

- common.py: what all tasks share: a data file's lines, CoNLL-U files and their paragraphs of
  raw text (the tokenizer's data), a missing NLTK corpus, `Vocabularies`.
- tagged.py: tagged sentences (CoNLL-U, token<TAB>tag, word/TAG, NLTK corpora; PTB to UPOS).
- labelled.py: labelled texts for sentiment (label/text TSV, NLTK's movie_reviews).
- corpora.py: NLTK's labelled review corpora by name (`nltk:NAME:SPLIT`).
- running.py: running text for a language model (a file, a CoNLL-U file's raw text, `FILE@A-B`).
- locations.py: where data lives, so that a recorded training command pastes on another machine.
- embeddings.py: word vectors computed from unlabelled text, to start a sentiment model from.
- reproducible_svd.py: the truncated SVD behind them, the same bits under any BLAS.
"""
