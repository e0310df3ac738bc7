"""The NLTK side of tag_speed.py: NLTK's averaged perceptron tagger trained on UD EWT (UPOS).

    python nltk_peer.py train TRAIN.conllu MODEL_DIR     train (5 iterations) and save as JSON
    python nltk_peer.py tag MODEL_DIR "some text"        cold start: load, tokenize, tag, print
    python nltk_peer.py raw MODEL_DIR IN.txt             NLTK's whole pipeline on raw text, CoNLL-U on stdout
    python nltk_peer.py conllu MODEL_DIR IN.conllu       tag IN's words, CoNLL-U with UPOS on stdout

`raw` is what an NLTK user runs on a document: paragraphs at blank lines, Punkt's sentences
(the punkt_tab model from NLTK_DATA), the Treebank word tokenizer, the perceptron. Sentences
and tokens are taken as spans (span_tokenize), so that every FORM is the text's own characters
(the Treebank tokenizer writes quotes as `` and '' otherwise) and the CoNLL 2018 scorer can
align them with gold; each sentence gets `# text` and SpaceAfter=No where no space follows.

MODEL_DIR must be a private directory (mode 0700): NLTK's path sandbox refuses anything else.
"""

import random
import re
import sys

import nltk
from nltk.tag.perceptron import PerceptronTagger
from nltk.tokenize import TreebankWordTokenizer
from nltk.tokenize.punkt import PunktTokenizer

LANG = "ewt"  # the name NLTK gives the model files: averaged_perceptron_tagger_ewt.*.json
UPOS = 3  # CoNLL-U column index


def open_model_dir(model_dir: str) -> None:
    """Let NLTK's path sandbox read and write model files in model_dir."""
    nltk.data.path.append(model_dir)


def conllu_sentences(path: str):
    """Each sentence of a CoNLL-U file as its lines: comments as strings, rows as column lists."""
    block = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                block.append(line if line.startswith("#") else line.split("\t"))
            elif block:
                yield block
                block = []
    if block:
        yield block


def word_rows(block: list) -> list[list[str]]:
    """Rows whose ID is a plain integer: words, not multiword ranges or empty nodes."""
    return [row for row in block if isinstance(row, list) and row[0].isdigit()]


def train(train_path: str, model_dir: str) -> None:
    open_model_dir(model_dir)
    sentences = [[(row[1], row[UPOS]) for row in word_rows(block)] for block in conllu_sentences(train_path)]
    random.seed(1)
    tagger = PerceptronTagger(load=False, lang=LANG)
    tagger.train(sentences, nr_iter=5)
    tagger.save_to_json(lang=LANG, loc=model_dir)


def load(model_dir: str) -> PerceptronTagger:
    open_model_dir(model_dir)
    return PerceptronTagger(lang=LANG, loc=model_dir)


def tag_text(model_dir: str, text: str) -> None:
    tagger = load(model_dir)
    for word, tag in tagger.tag(TreebankWordTokenizer().tokenize(text)):
        print(f"{word}\t{tag}")


def tag_conllu(model_dir: str, path: str) -> None:
    tagger = load(model_dir)
    out = sys.stdout
    for block in conllu_sentences(path):
        rows = word_rows(block)
        for row, (_, tag) in zip(rows, tagger.tag([row[1] for row in rows])):
            row[UPOS] = tag
        out.write("".join((line if isinstance(line, str) else "\t".join(line)) + "\n" for line in block) + "\n")


def paragraphs(text: str):
    """(start, end) of each paragraph: the text between blank lines."""
    start = 0
    for gap in re.finditer(r"\n[ \t]*\n\s*", text):
        if text[start:gap.start()].strip():
            yield start, gap.start()
        start = gap.end()
    if text[start:].strip():
        yield start, len(text)


def sentence_spans(text: str):
    """(start, end) of each token of each sentence, offsets in `text`: Punkt, then Treebank."""
    punkt, words = PunktTokenizer("english"), TreebankWordTokenizer()
    for para_start, para_end in paragraphs(text):
        paragraph = text[para_start:para_end]
        for start, end in punkt.span_tokenize(paragraph):
            offset = para_start + start
            yield [(offset + a, offset + b) for a, b in words.span_tokenize(paragraph[start:end])]


def conllu_block(text: str, spans: list, tags: list) -> str:
    """One sentence as CoNLL-U: `# text`, then a row per token with UPOS and SpaceAfter."""
    sentence = " ".join(text[spans[0][0]:spans[-1][1]].split())
    rows = [f"# text = {sentence}"]
    for i, ((start, end), tag) in enumerate(zip(spans, tags), 1):
        glued = end < len(text) and not text[end].isspace()
        rows.append(f"{i}\t{text[start:end]}\t_\t{tag}\t_\t_\t_\t_\t_\t{'SpaceAfter=No' if glued else '_'}")
    return "\n".join(rows) + "\n\n"


def tag_raw(model_dir: str, path: str) -> None:
    tagger = load(model_dir)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    out = sys.stdout
    for spans in sentence_spans(text):
        if spans:
            tags = [tag for _, tag in tagger.tag([text[a:b] for a, b in spans])]
            out.write(conllu_block(text, spans, tags))


COMMANDS = {"train": train, "tag": tag_text, "raw": tag_raw, "conllu": tag_conllu}

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in COMMANDS:  # --help, or a command it does not have
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(0 if sys.argv[1:2] in (["-h"], ["--help"]) else 2)
    COMMANDS[sys.argv[1]](*sys.argv[2:])
