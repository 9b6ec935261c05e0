"""Write N realistic synthetic abstracts in the arXiv metadata snapshot format (JSON Lines).

    python bench/synthetic_corpus.py 100000 /tmp/synth-100k.jsonl --seed 1

Sentences recombine patterns of real abstracts with entity names from the project's vocabularies
(ontology/vocab) and invented new names, and numbers; the same seed gives the same file.
"""
from __future__ import annotations

import argparse
import json
import random
import string
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.extract.vocabulary import load_vocabulary  # noqa: E402

OPENERS = [
    "{Task} remains a central problem for {modality} and {modality2} data.",
    "Recent {method}s have advanced {task}, but their cost grows with the size of {modality} inputs.",
    "Existing approaches to {task} rely on {method} and ignore the structure of {modality} data.",
    "Learning joint representations of {modality} and {modality2} is key to {task}.",
]
PROPOSALS = [
    "We propose {New}, a {method}-based model for {task}.",
    "In this paper, we introduce {New}, which combines {method} with {method2}.",
    "We present {New}, a framework that aligns {modality} and {modality2} through {method}.",
    "To address this, we develop {New} ({NEW}), a lightweight {method} for {task}.",
]
DETAILS = [
    "{New} uses {method2} to fuse {modality} features with {modality2} features.",
    "Unlike {method}, our model does not require paired {modality} annotations.",
    "We further introduce a {adj} {method2} module that reduces memory by {small}x.",
    "Training follows a two-stage schedule of {method} and {method2}.",
]
RESULTS = [
    "Experiments on {dataset}, {dataset2} and {dataset3} show that {New} outperforms {method} by {gain} {metric}.",
    "{New} achieves {value}% {metric} on {dataset}, surpassing {method2}.",
    "On the {dataset} benchmark, {NEW} improves {metric} by +{gain} points over strong baselines.",
    "Our method reaches {value} {metric} on {dataset} with {small} times fewer parameters.",
]
CLOSERS = [
    "Code and models will be released.",
    "These results suggest that {modality} and {modality2} can be learned jointly at scale.",
    "We hope {New} serves as a strong baseline for future work on {task}.",
]
ADJS = ["adaptive", "hierarchical", "sparse", "gated", "cross-modal", "dynamic", "efficient", "robust"]


def invented(rng: random.Random) -> tuple[str, str]:
    stem = "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(2, 3)))
    tail = rng.choice(["Net", "Former", "CLIP", "Fusion", "GPT", "Align", "Mamba", "-VL", "Diff"])
    name = stem + tail + rng.choice(["", "", "-2", "++", "v2"])
    return name, stem


def generate(n: int, seed: int):
    rng = random.Random(seed)
    vocab = load_vocabulary()
    by_type: dict[str, list[str]] = {}
    for c in vocab.concepts.values():
        by_type.setdefault(c.type, []).append(c.pref)
    for names in by_type.values():
        names.sort()
    # popularity follows a Zipf-like law: a few entities are everywhere, most are rare
    weights = {t: [1 / (i + 1) for i in range(len(v))] for t, v in by_type.items()}

    def pick(t: str) -> str:
        return rng.choices(by_type[t], weights[t])[0]

    for i in range(n):
        new, short = invented(rng)
        fill = {
            "New": new, "NEW": short, "task": pick("task"), "method": pick("method"), "method2": pick("method"),
            "modality": pick("modality"), "modality2": pick("modality"), "dataset": pick("dataset"),
            "dataset2": pick("dataset"), "dataset3": pick("dataset"), "metric": pick("metric"),
            "value": f"{rng.uniform(40, 99):.1f}", "gain": f"{rng.uniform(0.3, 9):.2f}", "small": rng.randint(2, 9),
            "adj": rng.choice(ADJS),
        }
        fill["Task"] = fill["task"][:1].upper() + fill["task"][1:]
        parts = [rng.choice(OPENERS), rng.choice(PROPOSALS), *rng.sample(DETAILS, 2), *rng.sample(RESULTS, 2), rng.choice(CLOSERS)]
        abstract = " ".join(p.format(**fill) for p in parts)
        title = f"{new}: {fill['adj'].title()} {fill['method'][:1].upper() + fill['method'][1:]} for {fill['Task']}"
        yield {
            "id": f"{2000 + (i // 100000) % 100:04d}.{i % 100000:05d}",
            "title": title,
            "abstract": abstract,
            "authors": ", ".join(f"{rng.choice(string.ascii_uppercase)}. {rng.choice(['Lee', 'Garcia', 'Okafor', 'Novak', 'Tanaka', 'Silva'])}" for _ in range(rng.randint(1, 5))),
            "categories": rng.choice(["cs.CV", "cs.CL cs.LG", "cs.LG", "cs.CV cs.MM", "eess.AS cs.SD"]),
            "update_date": f"{rng.randint(2019, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "doi": None,
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with open(args.out, "w", encoding="utf-8") as fh:
        for record in generate(args.n, args.seed):
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
