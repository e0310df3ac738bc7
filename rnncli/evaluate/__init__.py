"""Scoring models against gold data (numpy only, no torch).

- scores.py: accuracy, per-tag precision/recall/F1 and confusions of taggers and sentiment
  models, models side by side, and the whole pipeline from raw text.
- raw.py: sentences scored on the characters of the raw text, as the CoNLL 2018 shared task does.
"""
