"""Write the training data as spaCy DocBin files, for running `spacy train` by hand:

    python -m kg.training.docbins OUT_DIR [GOLD...] [--corpus PATH ...]

Defaults: the three gold files in examples/gold/ and the example corpus. Writes OUT_DIR/train.spacy
and OUT_DIR/dev.spacy (the tuning papers, split as `kg train` splits them) and prints the
`spacy train` command that trains the span scorer on them. `kg train` does all of this itself, and
then chooses the thresholds and fits the calibration; this is for looking at the data, or at
spaCy's own training output.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from kg.paths import EXAMPLES_DIR
from kg.training.data import read_annotations, write_docbin
from kg.training.train import SPANCAT_CONFIG, split

GOLD_FILES = [EXAMPLES_DIR / "gold" / f"{name}.jsonl" for name in ("dev", "seed_more", "synthetic")]


def main(argv: list[str] | None = None) -> None:
    from kg.extract import build_nlp

    ap = argparse.ArgumentParser(prog="python -m kg.training.docbins")
    ap.add_argument("out", type=Path)
    ap.add_argument("gold", nargs="*", type=Path)
    ap.add_argument("--corpus", action="append", type=Path)
    args = ap.parse_args(argv)
    items = read_annotations(args.gold or GOLD_FILES, args.corpus or [EXAMPLES_DIR / "corpus"])
    train_items, tune_items = split(items)
    nlp = build_nlp()
    n_train = write_docbin(nlp, train_items, args.out / "train.spacy")
    n_dev = write_docbin(nlp, tune_items, args.out / "dev.spacy")
    print(f"{args.out}/train.spacy: {n_train} papers; {args.out}/dev.spacy: {n_dev} papers")
    print(f"python -m spacy train {SPANCAT_CONFIG} --paths.train {args.out}/train.spacy --paths.dev {args.out}/dev.spacy "
          f"--code {Path(__file__).with_name('register.py')} --output {args.out}/model")


if __name__ == "__main__":
    main()
