"""The data contracts that flow through kg: ingest -> extract -> rdf.

Plain dataclasses, no behaviour beyond small derived values, so every stage
can be tested on its own and serialised to JSON without surprises.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

EntityType = Literal["method", "dataset", "modality", "metric", "task"]
ENTITY_TYPES: tuple[str, ...] = ("method", "dataset", "modality", "metric", "task")
Role = Literal["proposed", "used"]


@dataclass(frozen=True)
class Source:
    """Where a paper was read from: the file and the line (text formats) or the record's number,
    counted from 1 as lines are (JSON arrays, XML, a BibTeX entry whose line is unknown)."""

    path: str
    line: int | None = None
    record: int | None = None

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.path}:{self.line}"
        if self.record is not None:
            return f"{self.path}[record {self.record}]"
        return self.path


@dataclass
class Paper:
    """One paper as read from any input format.

    `id` is stable: derived from the arXiv id or DOI when known, else from the
    normalised title, so the same paper gets the same id (and IRI) on any machine.
    """

    id: str
    title: str
    abstract: str
    url: str | None = None
    year: int | None = None
    authors: list[str] = field(default_factory=list)
    arxiv_id: str | None = None
    doi: str | None = None
    pmid: str | None = None  # PubMed id
    categories: list[str] = field(default_factory=list)
    source: Source | None = None

    @property
    def text(self) -> str:
        """The text the extractor reads; mention offsets index into it."""
        return f"{self.title}\n\n{self.abstract}"


@dataclass
class Mention:
    """One place in a paper's text where an entity was found."""

    type: str
    text: str
    start: int  # character offsets into Paper.text
    end: int
    sentence: str
    sent_start: int
    sent_end: int
    rule: str  # which extractor component / rule made it
    confidence: float = 1.0


@dataclass
class Entity:
    """A concept a paper mentions, with all the mentions that support it."""

    type: str
    key: str  # normalised key: two papers with the same (type, key) share one concept
    label: str  # preferred label
    concept: str | None = None  # IRI of a vocabulary concept when the entity is known
    role: str | None = None  # "proposed" | "used" for methods and datasets
    mentions: list[Mention] = field(default_factory=list)

    @property
    def surface_forms(self) -> list[str]:
        seen: dict[str, None] = {}
        for m in self.mentions:
            seen.setdefault(m.text, None)
        return list(seen)

    @property
    def confidence(self) -> float:
        return max((m.confidence for m in self.mentions), default=0.0)


@dataclass
class Result:
    """A number the abstract reports: value of a metric, for a method, on a dataset."""

    metric: str | None
    value: float
    unit: str | None  # "%", "points", None
    method: str | None = None
    dataset: str | None = None
    text: str = ""  # the surface span of the value
    sentence: str = ""
    start: int = 0
    end: int = 0
    sent_start: int = 0  # offsets of the sentence in Paper.text
    sent_end: int = 0
    relative: bool = False  # "+3.54 mIoU", "drops by 23.3%": a change, not a level


@dataclass
class Extraction:
    paper: Paper
    entities: list[Entity] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)

    def to_json(self) -> dict:
        """The `kg extract --format jsonl` record for this paper."""
        return {
            "id": self.paper.id,
            "title": self.paper.title,
            "entities": [
                {
                    "type": e.type,
                    "name": e.label,
                    "mentions": e.surface_forms,
                    **({"role": e.role} if e.type in ("method", "dataset") else {}),
                    **({"concept": e.concept} if e.concept else {}),
                    "confidence": round(e.confidence, 3),
                }
                for e in self.entities
            ],
            "results": [
                {k: v for k, v in asdict(r).items() if k not in ("sentence", "sent_start", "sent_end")}
                for r in self.results
            ],
        }


def check_min_confidence(min_confidence: float) -> None:
    """Raise KgError unless `min_confidence` is a confidence (0 to 1): 1.5 would silently keep
    nothing, and NaN (every comparison false) everything."""
    from kg.errors import KgError

    if not 0.0 <= min_confidence <= 1.0:
        raise KgError(f"min_confidence must be between 0 and 1, not {min_confidence}")
