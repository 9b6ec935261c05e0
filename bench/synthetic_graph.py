"""Write a realistic synthetic kg graph of N papers straight through TripleWriter (no extraction).

    python bench/synthetic_graph.py 100000 /tmp/kg-synth-100k --seed 1

The folder it writes opens like a build folder (`DIR/store`, `DIR/manifest.json`), so every kg
command and `kg.api.open_graph` read it. The store holds the ontology and the SKOS vocabularies, as
a real build does, then, per paper:

* ~10 links: 1-3 modalities, 1-2 tasks, 2-4 methods used, 1-3 datasets used, 1-2 metrics, and often
  a method (sometimes a dataset) the paper proposes under a new name;
* entity popularity follows a Zipf law over a seeded ranking of the vocabulary concepts plus a long
  tail of minted names (a few concepts everywhere, most rare), as in real literature;
* one evidence mention per link (two for a third of them), each in a sentence of the abstract with
  correct character offsets into "title\\n\\nabstract";
* results for ~40% of papers (metric, proposed method, dataset, value, unit).

Deterministic for a given seed, N and vocabulary files. Papers are serialised in batches and
bulk-loaded by a background thread, so memory stays flat whatever N.
"""
from __future__ import annotations

import argparse
import json
import queue
import random
import sys
import threading
import time
from bisect import bisect
from itertools import accumulate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyoxigraph as ox  # noqa: E402

from kg.model import Entity, Extraction, Mention, Paper, Result  # noqa: E402
from kg.rdf.counts import materialise_counts  # noqa: E402
from kg.rdf.triples import TripleWriter, finalise_labels  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VOCAB = ROOT / "ontology" / "vocab"
TYPE_OF_FILE = {"methods": "method", "datasets": "dataset", "metrics": "metric", "tasks": "task", "modalities": "modality"}
SKOS = "http://www.w3.org/2004/02/skos/core#"
SYLLABLES = ["ka", "ro", "mi", "te", "lu", "va", "zen", "qi", "dor", "pex", "nu", "sa", "fi", "gal", "tor", "ix"]
SUFFIXES = ["Net", "Former", "GAN", "BERT", "Diff", "Seg", "CLIP", "Flow", "Mamba", "VAE"]
SENTENCES = {
    "modality": ["We study {x} data in depth.", "Our setting pairs {x} with other signals.", "Inputs are {x} streams."],
    "task": ["We address {x} at scale.", "{x} remains an open problem.", "This work targets {x}."],
    "method": ["Our model builds on {x}.", "We compare against {x} baselines.", "{x} is used as the encoder."],
    "dataset": ["Experiments on {x} confirm the gains.", "We evaluate on {x}.", "Results on {x} are reported."],
    "metric": ["Performance is measured by {x}.", "We report {x} throughout.", "{x} improves markedly."],
    "proposed": ["We propose {x}, a new approach.", "We introduce {x}.", "This paper presents {x}."],
}


def vocabulary() -> dict[str, list[tuple[str, str]]]:
    """(concept IRI, preferred label) per entity type, from the SKOS files."""
    out: dict[str, list[tuple[str, str]]] = {t: [] for t in TYPE_OF_FILE.values()}
    for path in sorted(VOCAB.glob("*.ttl")):
        entity_type = TYPE_OF_FILE.get(path.stem)
        if entity_type is None:
            continue
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            if triple.predicate.value == SKOS + "prefLabel" and "/concept/" in triple.subject.value:
                out[entity_type].append((triple.subject.value, triple.object.value))
    for entries in out.values():
        entries.sort()
    return out


class Zipf:
    """Draws items with probability proportional to 1 / rank**s over a seeded ranking."""

    def __init__(self, items: list, s: float, rng: random.Random) -> None:
        self.items = list(items)
        rng.shuffle(self.items)
        self.cumulative = list(accumulate(1.0 / (r + 1) ** s for r in range(len(self.items))))
        self.total = self.cumulative[-1]
        self.rng = rng

    def draw(self):
        return self.items[min(bisect(self.cumulative, self.rng.random() * self.total), len(self.items) - 1)]

    def sample(self, k: int) -> list:
        seen: dict = {}
        for _ in range(k * 4):
            if len(seen) == k:
                break
            item = self.draw()
            seen.setdefault(item[1], item)
        return list(seen.values())


class Generator:
    def __init__(self, n: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        vocab = vocabulary()
        tail = max(50, n // 5)  # minted names seen in papers: a long tail behind the vocabulary
        self.draw: dict[str, Zipf] = {}
        for entity_type, entries in vocab.items():
            items = [(iri, label) for iri, label in entries]
            if entity_type != "modality":  # modalities come from a fixed list
                items += [(None, self.name(entity_type, i)) for i in range(tail // (1 if entity_type == "method" else 3))]
            self.draw[entity_type] = Zipf(items, 1.05 if entity_type != "modality" else 1.3, self.rng)

    def name(self, entity_type: str, i: int) -> str:
        r = random.Random(f"{self.seed}-{entity_type}-{i}")
        stem = "".join(r.choice(SYLLABLES) for _ in range(2)).capitalize()
        if entity_type == "method":
            return f"{stem}{r.choice(SUFFIXES)}-{i}"
        if entity_type == "dataset":
            return f"{stem.upper()}-{i}"
        if entity_type == "metric":
            return f"{stem} score {i}"
        return f"{stem.lower()} {r.choice(['detection', 'retrieval', 'parsing', 'forecasting'])} {i}"

    def paper(self, i: int) -> Extraction:
        rng = self.rng
        picks: list[tuple[str, str | None, str, str | None]] = []  # (type, concept, label, role)
        for entity_type, low, high in (("modality", 1, 3), ("task", 1, 2), ("method", 2, 4), ("dataset", 1, 3), ("metric", 1, 2)):
            role = "used" if entity_type in ("method", "dataset") else None
            picks += [(entity_type, iri, label, role) for iri, label in self.draw[entity_type].sample(rng.randint(low, high))]
        if rng.random() < 0.6:
            picks.append(("method", None, f"{self.name('method', 10_000_000 + i)}", "proposed"))
        if rng.random() < 0.05:
            picks.append(("dataset", None, f"{self.name('dataset', 10_000_000 + i)}", "proposed"))
        title = f"{picks[-1][2] if picks[-1][3] == 'proposed' else picks[0][2].capitalize()} for " \
                f"{next(p[2] for p in picks if p[0] == 'task')}: synthetic study {i}"
        text = title + "\n\n"
        entities = []
        for entity_type, iri, label, role in picks:
            mentions = []
            for _ in range(2 if rng.random() < 0.33 else 1):
                template = rng.choice(SENTENCES["proposed" if role == "proposed" else entity_type])
                sentence = template.replace("{x}", label)
                if sentence[0].islower():
                    sentence = sentence[0].upper() + sentence[1:]
                sent_start = len(text)
                start = sent_start + sentence.index(label) if label in sentence else sent_start
                text += sentence + " "
                mentions.append(Mention(entity_type, label, start, start + len(label), sentence, sent_start,
                                        sent_start + len(sentence), "synthetic-" + entity_type, round(rng.uniform(0.5, 1), 3)))
            key = label.lower()
            entities.append(Entity(entity_type, key, label, concept=iri, role=role, mentions=mentions))
        results = []
        if rng.random() < 0.4:
            methods = [p for p in picks if p[0] == "method"]
            datasets = [p for p in picks if p[0] == "dataset"]
            metrics = [p for p in picks if p[0] == "metric"]
            for _ in range(rng.randint(1, 3)):
                method, dataset, metric = methods[-1], rng.choice(datasets), rng.choice(metrics)
                value = round(rng.uniform(20, 99), 1)
                sentence = f"{method[2]} reaches {value}% {metric[2]} on {dataset[2]}."
                sent_start = len(text)
                start = sent_start + sentence.index(str(value))
                text += sentence + " "
                results.append(Result(metric[2], value, "%", method[2], dataset[2], f"{value}%", sentence, start,
                                      start + len(str(value)) + 1, sent_start, sent_start + len(sentence),
                                      relative=rng.random() < 0.1))
        abstract = text[len(title) + 2:].rstrip()
        paper = Paper(id=f"synth-{self.seed}-{i:07d}", title=title, abstract=abstract, year=2015 + i % 11,
                      authors=[f"Author {rng.randint(1, max(2, i // 3))}"], arxiv_id=f"{2000 + i % 500}.{i:05d}")
        return Extraction(paper, entities, results)


def write(n: int, out: Path, seed: int = 1, batch: int = 2000) -> dict:
    from kg.build import ontology_files

    out.mkdir(parents=True, exist_ok=True)
    if (out / "store").exists():
        raise SystemExit(f"{out}/store exists; choose an empty folder")
    started = time.perf_counter()
    store = ox.Store(str(out / "store"))
    for path in ontology_files():
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    chunks: queue.Queue = queue.Queue(maxsize=2)
    errors: list[BaseException] = []

    def loader() -> None:
        while (chunk := chunks.get()) is not None:
            try:
                store.bulk_load(input=chunk, format=ox.RdfFormat.N_TRIPLES)
            except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                errors.append(exc)

    thread = threading.Thread(target=loader, daemon=True)
    thread.start()
    generator, writer = Generator(n, seed), TripleWriter()
    lines: list[str] = []
    for i in range(n):
        lines += writer.triples(generator.paper(i))
        if (i + 1) % batch == 0 or i == n - 1:
            if errors:
                raise errors[0]
            chunks.put(("\n".join(lines) + "\n").encode("utf-8"))
            lines = []
    chunks.put(None)
    thread.join()
    if errors:
        raise errors[0]
    finalise_labels(store)
    counted = time.perf_counter()
    materialise_counts(store)  # as a build does: the aggregate queries read these counts
    counting = time.perf_counter() - counted
    store.flush()
    store.optimize()
    triples = sum(1 for _ in store.quads_for_pattern(None, None, None)) if n <= 10_000 else None
    manifest = {"synthetic": True, "papers": n, "seed": seed, "triples": triples,
                "seconds": round(time.perf_counter() - started, 1), "counting_seconds": round(counting, 1)}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("papers", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    print(json.dumps(write(args.papers, args.out, args.seed)))


if __name__ == "__main__":
    main()
