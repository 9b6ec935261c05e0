"""Time and peak memory of `kg viz` on a built graph, with the blank tokenizer's rate of the same run.

    python bench/synthetic_corpus.py 20000 c.jsonl && kg build c.jsonl --out g --no-extras --export none
    python bench/bench_viz.py g [--papers]

Each row is one `/usr/bin/time -v kg viz GRAPH -o FILE` (GNU time: wall clock, user + system CPU,
maximum resident set size of the process); the tokenizer row (spacy.blank("en") over the example
corpus, one process, median of 3) says how fast the machine was at that moment, since a shared machine's speed
moves from hour to hour.
"""
from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KG = str(Path(sys.executable).with_name("kg"))


def tokenizer_rate(papers: int = 2000) -> float:
    import spacy

    from kg.ingest import read_papers

    texts = [p.abstract for p in read_papers([ROOT / "examples" / "corpus"]) if p.abstract]
    texts = (texts * (papers // len(texts) + 1))[:papers]
    nlp = spacy.blank("en")
    for text in texts[:200]:  # warm up (lazy tables, caches)
        nlp.make_doc(text)
    rates = []
    for _ in range(3):
        start = time.perf_counter()
        for text in texts:
            nlp.make_doc(text)
        rates.append(papers / (time.perf_counter() - start))
    return statistics.median(rates)


def timed_viz(graph: Path, extra: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as work:
        page = Path(work) / "v.html"
        done = subprocess.run(["/usr/bin/time", "-v", KG, "viz", str(graph), "-o", str(page), *extra],
                              capture_output=True, text=True, env={"COLUMNS": "400", "PATH": "/usr/bin:/bin"})
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        size = page.stat().st_size

    def field(name: str) -> str:
        return re.search(rf"{re.escape(name)}: (.+)", done.stderr).group(1).strip()

    wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")
    seconds = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall)))
    return {"command": " ".join(["kg viz GRAPH -o v.html", *extra]), "wall": seconds,
            "cpu": float(field("User time (seconds)")) + float(field("System time (seconds)")),
            "rss_mb": int(field("Maximum resident set size (kbytes)")) / 1024, "page_kb": size / 1024,
            "said": " ".join(done.stdout.split())}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("graph", type=Path)
    ap.add_argument("--papers", action="store_true", help="also time the papers-and-entities view (--papers)")
    args = ap.parse_args()
    rate = tokenizer_rate()
    rows = [timed_viz(args.graph, [])] + ([timed_viz(args.graph, ["--papers"])] if args.papers else [])
    print(f"blank tokenizer, 1 process: {rate:,.0f} abstracts/s\n")
    print("| command | wall s | CPU s | peak RSS (MB) | page (KB) |\n|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| `{r['command']}` | {r['wall']:.1f} | {r['cpu']:.1f} | {r['rss_mb']:,.0f} | {r['page_kb']:,.0f} |")
    for r in rows:
        print(f"\n{r['command']}: {r['said']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
