"""Train the Punkt sentence-splitter parameters that rnncli ships (rnncli/resources/punkt-english.json).

Unsupervised Punkt training (NLTK's PunktTrainer) on the raw text of UD English EWT train,
plus a short hand-written list of common English abbreviations. Usage:

    python scripts/train_punkt.py ../shared/data/ud-ewt/en_ewt-ud-train.conllu rnncli/resources/punkt-english.json
    python scripts/train_punkt.py --evaluate ../shared/data/ud-ewt/en_ewt-ud-test.conllu

--evaluate reports boundary precision/recall on gold sentences joined back into paragraphs.
"""

import json
import sys

from nltk.tokenize.punkt import PunktTrainer

from rnncli.text.rules import sentence_splitter

ABBREVIATIONS = """mr mrs ms dr prof st jr sr sen rep gov gen col capt lt sgt rev hon messrs mme mlle
vs etc e.g i.e cf al approx dept est fig inc corp ltd co bros no nos vol ed eds p pp
jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thurs fri sat sun
u.s u.k u.n a.m p.m ph.d b.a m.a d.c n.y l.a""".split()


def paragraphs(path):
    """Gold sentences of each paragraph: list of lists of sentence texts."""
    paras, current = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith(("# newdoc", "# newpar")) and current:
                paras.append(current)
                current = []
            elif line.startswith("# text = "):
                current.append(line[len("# text = "):].strip())
    if current:
        paras.append(current)
    return paras


def train(source, target):
    text = "\n\n".join(" ".join(p) for p in paragraphs(source))
    trainer = PunktTrainer()
    trainer.INCLUDE_ALL_COLLOCS = True
    trainer.train(text, finalize=True)
    params = trainer.get_params()
    params.abbrev_types |= set(ABBREVIATIONS)
    data = {
        "source": f"PunktTrainer on the '# text' lines of {source.split('/')[-1]}, plus common abbreviations",
        "abbrev_types": sorted(params.abbrev_types),
        "collocations": sorted(list(c) for c in params.collocations),
        "sent_starters": sorted(params.sent_starters),
        "ortho_context": dict(sorted(params.ortho_context.items())),
    }
    with open(target, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=0, sort_keys=True)
    print(f"wrote {target}: {len(data['abbrev_types'])} abbreviations, {len(data['collocations'])} collocations, "
          f"{len(data['sent_starters'])} sentence starters, {len(data['ortho_context'])} words")


def evaluate(path):
    split = sentence_splitter()
    tp = fp = fn = 0
    for para in paragraphs(path):
        text = " ".join(para)
        gold, pos = set(), 0
        for sent in para[:-1]:
            pos += len(sent) + 1
            gold.add(pos)
        found = {start for start, _ in split.span_tokenize(text)} - {0}
        tp += len(gold & found)
        fp += len(found - gold)
        fn += len(gold - found)
    p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    print(f"{path}: sentence boundaries precision {p:.3f} recall {r:.3f} F1 {2 * p * r / max(p + r, 1e-9):.3f}")


if __name__ == "__main__":
    if sys.argv[1] == "--evaluate":
        evaluate(sys.argv[2])
    else:
        train(sys.argv[1], sys.argv[2])
