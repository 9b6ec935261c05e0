"""Write N realistic synthetic abstracts in the arXiv metadata snapshot format (JSON Lines).

    python bench/synthetic_corpus.py 100000 /tmp/synth-100k.jsonl --seed 1

Each record has the snapshot's fields (id like "2401.12345", title, abstract, authors, categories,
update_date, doi). Abstracts recombine sentence patterns of real abstracts (motivation, proposal,
method details, results with numbers such as "achieves 74.3% top-1 accuracy on ImageNet", closing)
with entity names read from the SKOS vocabularies in ontology/vocab (preferred and alternative
labels of methods, datasets, metrics, tasks, modalities) and invented new names ("XyzNet"), so a
build finds both known and new concepts. Entity popularity follows a Zipf law over a seeded
ranking, as in real literature (a few names everywhere, most rare).

Deterministic: the same seed and vocabulary files give the same file, byte for byte. Streaming:
records are written as they are made (constant memory, whatever N). Fast: tens of thousands of
abstracts a second.
"""
from __future__ import annotations

import argparse
import functools
import itertools
import json
import random
import sys
from bisect import bisect
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VOCAB = ROOT / "ontology" / "vocab"
TYPE_OF_FILE = {"methods": "method", "datasets": "dataset", "metrics": "metric", "tasks": "task", "modalities": "modality"}
SKOS = "http://www.w3.org/2004/02/skos/core#"

OPENERS = [
    "{Task} remains a central problem for {modality} and {modality2} data.",
    "Recent {method} models have advanced {task}, but their cost grows with the size of the inputs.",
    "Existing approaches to {task} rely on {method} and ignore the structure of {modality} data.",
    "Learning joint representations of {modality} and {modality2} is key to {task}.",
    "{Task} from {modality} is hard when labelled data are scarce.",
    "Despite the success of {method} on {task}, little is known about its behaviour on {modality2}.",
    "Large pretrained models have changed how {task} is approached, yet {modality} remains underexplored.",
    "Most methods for {task} are evaluated only on {dataset}, which hides their failure modes.",
]
PROPOSALS = [
    "We propose {New}, a {method}-based model for {task}.",
    "In this paper, we introduce {New}, which combines {method} with {method2}.",
    "We present {New}, a framework that aligns {modality} and {modality2} through {method}.",
    "To address this, we develop {New} ({NEW}), a lightweight {method} for {task}.",
    "We propose a {adj} {method} for {task}, called {New}.",
    "This work introduces {New}, a {adj} architecture that extends {method} to {modality2}.",
    "Our approach, {New}, trains {method} with {method2} on unlabelled {modality}.",
]
DETAILS = [
    "{New} uses {method2} to fuse {modality} features with {modality2} features.",
    "Unlike {method}, our model does not require paired annotations.",
    "We further introduce a {adj} {method2} module that reduces memory by {small}x.",
    "Training follows a two-stage schedule of {method} and {method2}.",
    "The encoder is pretrained with {method2} and fine-tuned on {dataset2}.",
    "A {adj} attention block lets {NEW} attend to long sequences.",
    "We also release {NewData}, a benchmark of {count} annotated samples for {task}.",
    "Our analysis shows that {method2} is the main source of the gains.",
]
RESULTS = [
    "Experiments on {dataset}, {dataset2} and {dataset3} show that {New} outperforms {method} by {gain} {metric}.",
    "{New} achieves {value}% {metric} on {dataset}, surpassing {method2}.",
    "On the {dataset} benchmark, {NEW} improves {metric} by +{gain} points over strong baselines.",
    "Our method reaches {value2} {metric} on {dataset} with {small} times fewer parameters.",
    "{New} sets a new state of the art on {dataset2} ({value3} {metric}) and {dataset3}.",
    "It obtains a {metric} of {fraction} on {dataset2}, compared with {fraction2} for {method}.",
    "Extensive experiments on {dataset} and {NewData} demonstrate consistent improvements in {metric}.",
]
CLOSERS = [
    "Code and models will be released.",
    "These results suggest that {modality} and {modality2} can be learned jointly at scale.",
    "We hope {New} serves as a strong baseline for future work on {task}.",
    "Code is available at https://github.com/anon/{new_slug}.",
    "",
]
TITLES = [  # every title names the new model, so titles do not repeat (the reader drops repeated titles)
    "{New}: {Adj} {Method} for {Task}",
    "{New}: Towards {Adj} {Task} with {Modality} and {Modality2}",
    "{New}: {Adj} {Method} for {Task} on {Modality}",
    "{New}: Rethinking {Method} for {Task}",
    "{New}: Learning {Task} from {Modality}",
    "When {Method} Meets {Method2}: {New} for {Adj} {Task}",
]
ADJS = ["adaptive", "hierarchical", "sparse", "gated", "cross-modal", "dynamic", "efficient", "robust",
        "scalable", "unified", "self-supervised", "contrastive", "multi-scale", "lightweight", "continual"]
STEMS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
TAILS = ["Net", "Former", "CLIP", "Fusion", "GPT", "Align", "Mamba", "-VL", "Diff", "BERT", "Seg", "Det", "GAN", "Rec"]
SUFFIXES = ["", "", "", "-2", "++", "v2", "-L", "-XL"]
SURNAMES = ["Lee", "Garcia", "Okafor", "Novak", "Tanaka", "Silva", "Chen", "Müller", "Kowalski", "Haddad",
            "Ivanova", "Dubois", "Nguyen", "Rossi", "Andersen", "Patel", "Kim", "O'Brien", "Mensah", "Sato"]
CATEGORIES = ["cs.CV", "cs.CL cs.LG", "cs.LG", "cs.CV cs.MM", "eess.AS cs.SD", "cs.LG stat.ML", "cs.CV cs.AI",
              "cs.IR cs.CL", "eess.IV cs.CV", "cs.RO cs.CV", "q-bio.QM cs.LG"]


def vocabulary(folder: Path = VOCAB) -> dict[str, list[str]]:
    """Names per entity type from the SKOS files: preferred and alternative labels, sorted."""
    import pyoxigraph as ox

    names: dict[str, set[str]] = {t: set() for t in TYPE_OF_FILE.values()}
    labels = {SKOS + "prefLabel", SKOS + "altLabel"}
    for path in sorted(folder.glob("*.ttl")):
        entity_type = TYPE_OF_FILE.get(path.stem)
        if entity_type is None:
            continue
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            if triple.predicate.value in labels and "/concept/" in triple.subject.value:
                names[entity_type].add(triple.object.value)
    return {t: sorted(v) for t, v in names.items()}


class Picker:
    """Draws names with Zipf popularity over a seeded ranking (one bisect per draw)."""

    def __init__(self, names: list[str], rng: random.Random, exponent: float = 1.0) -> None:
        self.names = list(names)
        rng.shuffle(self.names)
        self.cum = list(itertools.accumulate(1 / (i + 1) ** exponent for i in range(len(self.names))))
        self.total = self.cum[-1]

    def __call__(self, uniform: float) -> str:
        return self.names[min(bisect(self.cum, uniform * self.total), len(self.names) - 1)]


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


@functools.lru_cache(maxsize=1 << 16)
def title_case(text: str) -> str:
    return " ".join(w if w[:1].isupper() or any(ch.isdigit() for ch in w) else capital(w) for w in text.split())


def generate(n: int, seed: int, vocab: dict[str, list[str]] | None = None) -> Iterator[dict]:
    """The N records, made one at a time."""
    rng = random.Random(seed)
    vocab = vocab if vocab is not None else vocabulary()
    pick = {t: Picker(v, rng) for t, v in vocab.items() if v}
    rand = rng.random

    def choice(seq):
        return seq[int(rand() * len(seq))]

    def randint(low: int, high: int) -> int:
        return low + int(rand() * (high - low + 1))

    def name() -> tuple[str, str]:
        stem = "".join(choice(STEMS) for _ in range(randint(2, 4)))
        return stem + choice(TAILS) + choice(SUFFIXES), stem

    month = 0
    per_month = 0
    for i in range(n):
        if per_month == 0 or per_month >= 20000 + (month * 7919) % 9000:  # 20-29k papers a month
            month += 1
            per_month = 0
        yymm = f"{(15 + (month - 1) // 12) % 100:02d}{(month - 1) % 12 + 1:02d}"
        per_month += 1
        new, short = name()
        m1, m2 = pick["method"](rand()), pick["method"](rand())
        task = pick["task"](rand())
        adj = choice(ADJS)
        fill = {
            "New": new, "NEW": short, "new_slug": new.lower(),
            "NewData": choice(["", "Open", "Mega", "Wild"]) + short + choice(["-Bench", "-1M", "Set", "-QA"]),
            "task": task, "Task": capital(task), "method": m1, "method2": m2 if m2 != m1 else new,
            "modality": pick["modality"](rand()), "modality2": pick["modality"](rand()),
            "dataset": pick["dataset"](rand()), "dataset2": pick["dataset"](rand()), "dataset3": pick["dataset"](rand()),
            "metric": pick["metric"](rand()), "adj": adj,
            "value": f"{40 + 59 * rand():.1f}", "value2": f"{20 + 79 * rand():.2f}", "value3": f"{30 + 69 * rand():.1f}",
            "gain": f"{0.3 + 8.7 * rand():.{choice((1, 2))}f}",
            "fraction": f"{0.5 + 0.49 * rand():.3f}", "fraction2": f"{0.4 + 0.4 * rand():.3f}",
            "small": randint(2, 9), "count": f"{randint(1, 500) * 1000:,}",
        }
        parts = [choice(OPENERS), choice(PROPOSALS), *rng.sample(DETAILS, randint(1, 3)),
                 *rng.sample(RESULTS, randint(1, 3)), choice(CLOSERS)]
        abstract = " ".join(s for s in (p.format_map(fill) for p in parts) if s)
        title = choice(TITLES).format(
            New=new, Adj=title_case(adj), Method=title_case(m1), Method2=title_case(fill["method2"]),
            Task=title_case(task), Modality=title_case(fill["modality"]), Modality2=title_case(fill["modality2"]),
        )
        authors = [f"{choice(STEMS)}. {choice(SURNAMES)}" for _ in range(randint(1, 6))]
        yield {
            "id": f"{yymm}.{per_month:05d}",
            "title": title,
            "abstract": abstract,
            "authors": ", ".join(authors[:-1]) + (" and " if len(authors) > 1 else "") + authors[-1],
            "categories": choice(CATEGORIES),
            "update_date": f"20{yymm[:2]}-{yymm[2:]}-{randint(1, 28):02d}",
            "doi": f"10.{randint(1000, 9999)}/{short.lower()}.{i}" if rand() < 0.2 else None,
        }


def write(n: int, out: str | Path, seed: int = 1) -> Path:
    """Write the N records to `out`, one JSON object a line."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    with open(out, "w", encoding="utf-8") as fh:
        for record in generate(n, seed):
            fh.write(encode(record) + "\n")
    return Path(out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="number of abstracts")
    ap.add_argument("out", type=Path, help="JSON Lines file to write")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    write(args.n, args.out, args.seed)


if __name__ == "__main__":
    main(sys.argv[1:])
