"""Does a change to the extraction code keep its output the same? Writes every extraction (entities
with all their mentions, rules and confidences, roles, results) of three sets of abstracts as JSON
Lines, one file per set, and with --against compares them byte for byte with an earlier run.

    python bench/same_extractions.py OUT_DIR [--synthetic 2000] [--pipeline PATH] [--against REF_DIR]

The sets: the example corpus (examples/corpus), the gold abstracts that carry their own text
(../shared/gold/synthetic.jsonl, or --gold) and --synthetic abstracts of bench/synthetic_corpus.py
(seed 1). Run it on the code before a change (OUT_DIR the reference), then after it with --against.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from kg.extract import build_nlp, extract
from kg.ingest import read_papers
from kg.model import Paper
from kg.paths import DEFAULT_PIPELINE

ROOT = Path(__file__).resolve().parent.parent
# ../shared/gold beside the repository (or beside the folder of its worktrees)
GOLD = next((d / "shared" / "gold" / "synthetic.jsonl" for d in ROOT.parents if (d / "shared" / "gold").is_dir()),
            ROOT.parent / "shared" / "gold" / "synthetic.jsonl")


def gold_papers(path: Path) -> list[Paper]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Paper(id=r["id"], title=r.get("title", ""), abstract=r.get("abstract") or r.get("text", "")) for r in records]


def synthetic_papers(n: int) -> list[Paper]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "synthetic.jsonl"
        subprocess.run([sys.executable, str(ROOT / "bench" / "synthetic_corpus.py"), str(n), str(out), "--seed", "1"], check=True)
        return list(read_papers([out]))


def record(extraction) -> str:
    data = asdict(extraction)
    data["paper"] = extraction.paper.id
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--synthetic", type=int, default=2000)
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("--pipeline", default=str(DEFAULT_PIPELINE))
    ap.add_argument("--against", type=Path, help="A folder an earlier run wrote: compare with it.")
    args = ap.parse_args()
    nlp = build_nlp(args.pipeline)
    sets = {
        "corpus": list(read_papers([ROOT / "examples" / "corpus"])),
        "gold": gold_papers(args.gold),
        "synthetic": synthetic_papers(args.synthetic),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    differ = False
    for name, papers in sets.items():
        lines = [record(x) for x in extract(papers, nlp=nlp)]
        data = "\n".join(lines) + "\n"
        (args.out / f"{name}.jsonl").write_text(data, encoding="utf-8")
        digest = hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]
        verdict = ""
        if args.against:
            ref = (args.against / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
            changed = [a for a, b in zip(lines, ref) if a != b]
            same = lines == ref
            differ |= not same
            verdict = "same" if same else f"DIFFERENT ({len(changed)} papers, {len(lines)} vs {len(ref)} lines)"
        print(f"{name}: {len(papers)} papers, sha256 {digest} {verdict}")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
