"""Training data read from standard files and NLTK's corpora, and the vocabularies built from it.

- common.py: what all tasks share: a data file's lines, CoNLL-U files and their paragraphs of
  raw text (the tokenizer's data), a missing NLTK corpus, `Vocabularies`.
- tagged.py: tagged sentences (CoNLL-U, token<TAB>tag, word/TAG, NLTK corpora; PTB to UPOS).
- labelled.py: labelled texts for sentiment (label/text TSV, NLTK's movie_reviews).
- embeddings.py: word vectors computed from unlabelled text, to start a sentiment model from.
"""
