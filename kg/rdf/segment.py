"""Word boundaries for minted concept IRIs.

A concept's identity is its normalised key (kg.extract.normalise.entity_key), which drops spaces,
hyphens and case so that "vision encoder", "Vision-Encoder" and "VisionEncoder" are one concept. The
key has no word boundaries left, so the IRI puts them back by segmenting the key into words of a
fixed word list (`pipelines/lexicon/words.txt`): the same key always gives the same IRI, whichever
variant a paper used, and "visionencoder" reads `method/vision-encoder` like the vocabulary's IRIs.

A key is segmented only when known words cover all of its letters; a name that is not made of
known words ("llava", "roberta") stays whole rather than being cut at whatever words hide inside it.
Digits stay attached to their letters ("gpt4", "resnet50"), as in the key.

The word list is data, made by `python -m kg.rdf.segment` from the SKOS vocabularies' labels and the
lower-case words of the example corpus and of the gold files' abstracts of 20 fields. Changing it changes minted IRIs, so it changes only with a
release (the build manifest records the IRI scheme).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from kg.paths import PIPELINES_DIR

WORDS_FILE = PIPELINES_DIR / "lexicon" / "words.txt"
_RUNS = re.compile(r"[a-z]+|[0-9]+")
_MIN_WORD = 2  # one-letter "words" would let any name be cut anywhere
_SHORT = 2  # two two-letter words in a row ("at-on-in") are how unknown names fall apart


@lru_cache(maxsize=1)
def load_words(path: str = "") -> frozenset[str]:
    lines = Path(path or WORDS_FILE).read_text(encoding="utf-8").splitlines()
    return frozenset(w for w in (line.strip() for line in lines) if w and not w.startswith("#"))


def split_letters(run: str, words: frozenset[str]) -> list[str] | None:
    """The fewest known words that spell `run` exactly, or None.

    Ties go to the segmentation whose earlier words are longer. A two-letter word ("of", "to") only
    joins two words ("mixture-of-experts"), never starts or ends a run ("re-finer", "on-set"), and
    two short words never follow each other.
    """

    @lru_cache(maxsize=None)
    def best(start: int, after_short: bool) -> tuple[str, ...] | None:
        if start == len(run):
            return ()
        found: tuple[str, ...] | None = None
        for end in range(len(run), start + _MIN_WORD - 1, -1):  # longest first: ties keep it
            word = run[start:end]
            short = len(word) <= _SHORT
            if word not in words or (short and after_short):
                continue
            if len(word) == _MIN_WORD and (start == 0 or end == len(run)):
                continue
            rest = best(end, short)
            if rest is not None and (found is None or 1 + len(rest) < len(found)):
                found = (word, *rest)
        return found

    found = best(0, False)
    return list(found) if found else None


def hyphenate(key: str, words: frozenset[str] | None = None) -> str:
    """The key with hyphens between the known words of its letter runs ("visionencoder" ->
    "vision-encoder"); letter runs that known words do not cover stay whole.

    Digits stay with their letters ("gpt4", "flickr30k"), and take one letter of a neighbouring
    run when the rest of that run is words ("zeroshot3dquestionanswering" ->
    "zero-shot-3d-question-answering", "speechcommandv2" -> "speech-command-v2").
    """
    words = load_words() if words is None else words
    runs = _RUNS.findall(key)
    # each run becomes (its text, whether it was split into two or more words)
    parts: list[list] = []
    for i, run in enumerate(runs):
        if run.isdigit():
            parts.append([run, False])
            continue
        pieces = split_letters(run, words)
        if pieces is None and i > 0 and len(run) > _MIN_WORD:  # "3" + "d question answering"
            rest = split_letters(run[1:], words)
            if rest is not None:
                parts[-1][0] += run[0]
                parts[-1][1] = True
                pieces, run = rest, run[1:]
        if pieces is None and i + 1 < len(runs) and len(run) > _MIN_WORD:  # "speech command v" + "2"
            head = split_letters(run[:-1], words)
            if head is not None:
                parts.append(["-".join(head), True])
                runs[i + 1] = run[-1] + runs[i + 1]
                continue
        parts.append(["-".join(pieces), len(pieces) > 1] if pieces else [run, False])
    out = parts[0][0] if parts else ""
    for (_, split_before), (text, split) in zip(parts, parts[1:]):
        out += ("-" if split_before or split else "") + text
    return out


def make_word_list(vocab_labels: list[str], corpus_texts: list[str], min_count: int = 2) -> list[str]:
    """Words for segmentation: every letter run of a vocabulary label, and the words the corpus
    writes in lower case at least `min_count` times (general English of abstracts, not names).

    Two-letter words must be frequent English function words ("mixture of experts"): two-letter
    units, prefixes and abbreviations ("mm", "re", "co") would otherwise cut names into pieces. A word ending in a
    plural "s" also gives its singular, because keys drop that "s" ("speech commands" ->
    "speechcommand").
    """
    from spacy.lang.en.stop_words import STOP_WORDS

    # the purely alphabetic words of labels: "wav" and "vec" of "wav2vec" are not words
    words = {w.casefold() for label in vocab_labels for w in re.split(r"[\s\-/]+", label)
             if w.isalpha() and len(w) > _MIN_WORD}
    counts: dict[str, int] = {}
    for text in corpus_texts:
        # two-letter words count only standing alone: "re" of "re-ranking" is a prefix, not a word
        for token in re.findall(r"(?<![A-Za-z0-9])[a-z]{3,}(?![A-Za-z0-9])|(?<![\w-])[a-z]{2}(?![\w-])", text):
            counts[token] = counts.get(token, 0) + 1
    words.update(w for w, c in counts.items() if c >= min_count and len(w) > _MIN_WORD)
    words.update(w[:-1] for w in list(words) if len(w) > 4 and w.endswith("s") and not w.endswith("ss"))
    # function words: frequent in the running text and English stop words ("of", "to", "and")
    words.update(w for w, c in counts.items() if len(w) == _MIN_WORD and c >= 20 * min_count and w in STOP_WORDS)
    return sorted(words)


def main() -> None:
    """Rewrite pipelines/lexicon/words.txt from the vocabularies and the example corpus."""
    from kg.extract.vocabulary import load_vocabulary
    from kg.ingest import read_papers
    from kg.paths import EXAMPLES_DIR

    labels = [label for c in load_vocabulary().concepts.values() for label in c.labels]
    # the example corpus and the 80 abstracts of 20 fields in the gold files: English of many fields
    sources = [EXAMPLES_DIR / "corpus", EXAMPLES_DIR / "gold" / "synthetic.jsonl"]
    texts = [f"{p.title}\n{p.abstract}" for p in read_papers(sources)]
    header = ["# Words for the hyphens of minted concept IRIs (kg.rdf.segment).",
              "# Made by `python -m kg.rdf.segment`; changing it changes minted IRIs."]
    WORDS_FILE.write_text("\n".join(header + make_word_list(labels, texts)) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
