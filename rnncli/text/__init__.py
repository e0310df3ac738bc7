"""Text before any model: from input bytes to sentences of tokens (numpy at most, no torch).

- inputs.py: where input comes from (arguments, files of any kind, stdin), read in chunks.
- decoding.py: input bytes as UTF-8 lines; binary data and UTF-16 refused.
- hygiene.py: control characters out of text (`clean`) and out of what is shown (`printable`).
- rules.py: NLTK's Punkt sentence splitter and Treebank word tokenizer, loaded lightly.
- pieces.py: lines and sentences too long to hold, read in pieces and joined again.
- sentences.py: `read_sentences`, the input formats streamed as CoNLL-U sentences.
- segmented.py: running text cut by a tokenizer model as it arrives, the same however fast it arrives.
- conllu.py: CoNLL-U read and written with every column, comment and special row kept.
- segmentation.py: segmentation as labels over characters, the tokenizer model's view of a treebank.
- multiword.py: the words of multiword tokens they do not spell (`im` = `in dem`), learned from a treebank.
"""
