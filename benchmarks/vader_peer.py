"""The NLTK side of sentiment_speed.py: NLTK's VADER, a rule-based sentiment lexicon.

    python vader_peer.py text "some text"    cold start: build the analyzer, print label and compound score
    python vader_peer.py lines FILE          one label per line of FILE (one text a line) on stdout

The lexicon comes from NLTK_DATA (sentiment/vader_lexicon.zip); nothing is downloaded.
A text is positive when its compound score is >= 0, negative otherwise.
"""

import sys

from nltk.sentiment.vader import SentimentIntensityAnalyzer


def label(compound: float) -> str:
    return "positive" if compound >= 0 else "negative"


def score_text(text: str) -> None:
    compound = SentimentIntensityAnalyzer().polarity_scores(text)["compound"]
    print(f"{label(compound)}\t{compound:.4f}\t{text}")


def score_lines(path: str) -> None:
    analyzer = SentimentIntensityAnalyzer()
    with open(path, encoding="utf-8") as f:
        sys.stdout.write("".join(label(analyzer.polarity_scores(line.rstrip("\n"))["compound"]) + "\n"
                                 for line in f))


COMMANDS = {"text": score_text, "lines": score_lines}

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in COMMANDS:  # --help, or a command it does not have
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(0 if sys.argv[1:2] in (["-h"], ["--help"]) else 2)
    COMMANDS[sys.argv[1]](*sys.argv[2:])
