"""Writes rnncli/resources/clue-filler.txt, the filler text of `rnncli experiment clue`: the
US State of the Union addresses of 2005 and 2006 (public domain, from NLTK's state_union
corpus under $NLTK_DATA), without their title lines, "(Applause.)" and the photo captions of
the 2006 transcript, one paragraph a line. The experiment leaves out, when it reads it, every
sentence that names one of its countries or languages.

    NLTK_DATA=../shared/data/nltk_data python benchmarks/clue_filler.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CAPTION = re.compile(r"(President George W\. Bush|Laura Bush|Mrs\. Laura Bush)[^\n]*?White House photo by Eric Draper ?")


def main() -> None:
    folder = Path(os.environ.get("NLTK_DATA", REPO.parent / "shared" / "data" / "nltk_data")) / "corpora" / "state_union"
    paragraphs = []
    for name in ("2005-GWBush.txt", "2006-GWBush.txt"):
        lines = (folder / name).read_text(encoding="utf-8").splitlines()[3:]  # title, blank, date
        for line in lines:
            line = CAPTION.sub("", line.replace("(Applause.)", "").replace("THE PRESIDENT: ", ""))
            line = " ".join(line.split())
            if re.search("[a-z]", line):  # not a time stamp such as 9:10 P.M. EST
                paragraphs.append(line)
    out = REPO / "rnncli" / "resources" / "clue-filler.txt"
    out.write_text("\n".join(paragraphs) + "\n", encoding="utf-8")
    print(f"{out}: {len(paragraphs)} paragraphs, {sum(len(p.split()) for p in paragraphs):,} words")


if __name__ == "__main__":
    main()
