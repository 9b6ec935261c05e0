"""Sanity checks on the SKOS vocabularies in ontology/vocab that the phrase matchers are compiled from."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import RDF, SKOS

VOCAB = Path(__file__).resolve().parent.parent / "ontology" / "vocab"
KGO = rdflib.Namespace("https://w3id.org/kg-lit/ontology#")
KGS = "https://w3id.org/kg-lit/scheme/"
FILES = {
    "methods.ttl": ("methods", "method", KGO.Method),
    "datasets.ttl": ("datasets", "dataset", KGO.Dataset),
    "metrics.ttl": ("metrics", "metric", KGO.Metric),
    "tasks.ttl": ("tasks", "task", KGO.Task),
    "modalities.ttl": ("modalities", "modality", KGO.Modality),
}
# The canonical modality names of the annotation guidelines, in their order.
MODALITIES = [
    "text", "image", "video", "audio", "speech", "music", "3d", "point cloud", "depth", "lidar", "radar",
    "infrared", "event", "tabular", "time series", "graph", "code", "sensor", "eeg", "medical image",
    "x-ray", "ct", "mri", "ultrasound", "histopathology", "fundus", "layout", "map", "molecule", "protein",
    "motion", "tactile",
]
LABEL_PROPS = (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, KGO.adjectiveForm)
LOCAL_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@pytest.fixture(scope="module", params=sorted(FILES))
def vocab(request):
    name = request.param
    graph = rdflib.Graph()
    graph.parse(VOCAB / name, format="turtle")
    return name, graph


def concepts(graph: rdflib.Graph) -> set:
    return set(graph.subjects(RDF.type, SKOS.Concept)) | set(graph.subjects(SKOS.inScheme, None))


def test_file_parses_and_declares_its_scheme(vocab):
    name, graph = vocab
    scheme_name, _, _ = FILES[name]
    scheme = rdflib.URIRef(KGS + scheme_name)
    assert (scheme, RDF.type, SKOS.ConceptScheme) in graph
    assert len(concepts(graph)) > 0


def test_every_concept_has_one_preflabel_its_scheme_class_and_namespace(vocab):
    name, graph = vocab
    scheme_name, prefix, cls = FILES[name]
    scheme = rdflib.URIRef(KGS + scheme_name)
    namespace = f"https://w3id.org/kg-lit/concept/{prefix}/"
    for c in concepts(graph):
        prefs = list(graph.objects(c, SKOS.prefLabel))
        assert len(prefs) == 1, f"{c}: {prefs}"
        assert prefs[0].language == "en", c
        assert (c, SKOS.inScheme, scheme) in graph, c
        assert (c, RDF.type, SKOS.Concept) in graph and (c, RDF.type, cls) in graph, c
        assert str(c).startswith(namespace) and LOCAL_NAME.match(str(c)[len(namespace):]), c
        for b in graph.objects(c, SKOS.broader):
            assert (b, SKOS.inScheme, scheme) in graph, f"{c} broader {b} outside its scheme"


def test_no_label_shared_between_concepts(vocab):
    """Two concepts may share a folded label only when both labels are case-sensitive and differ in case."""
    _, graph = vocab
    by_key: dict[str, list[tuple[str, rdflib.term.Node]]] = {}
    for c in concepts(graph):
        labels = {" ".join(str(l).split()) for p in LABEL_PROPS for l in graph.objects(c, p)}
        for label in labels:
            assert label, c
            by_key.setdefault(label.lower(), []).append((label, c))
    clashes = []
    for key, uses in by_key.items():
        if len({c for _, c in uses}) < 2:
            continue
        labels = [label for label, _ in uses]
        if all(label != label.lower() for label in labels) and len(set(labels)) == len(labels):
            continue
        clashes.append((key, sorted(str(c) for _, c in uses)))
    assert not clashes, clashes


def test_modalities_are_exactly_the_guideline_list():
    graph = rdflib.Graph()
    graph.parse(VOCAB / "modalities.ttl", format="turtle")
    prefs = sorted(str(graph.value(c, SKOS.prefLabel)) for c in concepts(graph))
    assert prefs == sorted(MODALITIES)


# Labels of one method that carry different numbers yet name the same model ("LLaVA-1.6" is LLaVA-NeXT)
SAME_MODEL_OTHER_NAME = {"LLaMA-1", "Zero123", "L2 loss", "LLaVA-1.6"}


def test_a_method_concept_names_one_version():
    # a later version or another size is a model of its own (narrower than its family), never a
    # label of the family or of another version: "StyleGAN3" is not "StyleGAN", "Claude 3" not "Claude 2"
    g = rdflib.Graph().parse(VOCAB / "methods.ttl")
    numbers = lambda label: set(re.findall(r"\d+(?:\.\d+)?", label))
    wrong = [(str(pref), str(alt)) for concept, pref in g.subject_objects(SKOS.prefLabel)
             for alt in g.objects(concept, SKOS.altLabel)
             if str(alt) not in SAME_MODEL_OTHER_NAME and not numbers(str(alt)) <= numbers(str(pref))]
    assert not wrong, wrong[:10]


def test_the_vocabulary_cache_is_whole_though_two_processes_write_it_at_once(tmp_path, monkeypatch):
    """A build's workers start at once and each, finding no cache, parses the vocabulary and writes
    it. They shared one temporary file (`vocab-X.tmp`): the second truncated and rewrote it under the
    first, which went on writing at its own offset, so the cache renamed into place held two pickles
    mixed (the vocabulary's sets differ in order from process to process). Here another process runs,
    for real, while this one is half-way through writing: the cache left must load, equal to the
    vocabulary. A cache that fails to load in any way (here a ValueError) is parsed again."""
    import dataclasses
    import os
    import pickle
    import subprocess
    import sys

    from kg.extract import vocabulary

    monkeypatch.setenv("HOME", str(tmp_path))
    vocabulary.load_vocabulary.cache_clear()

    def dump_with_another_process_meanwhile(obj, fh, *args, **kwargs):
        data = pickle.dumps(obj, *args, **kwargs)
        # half-way through the sets, the part whose bytes differ from the other process's
        split = (len(pickle.dumps(dataclasses.replace(obj, words={}), *args, **kwargs)) + len(data)) // 2
        fh.write(data[:split])
        fh.flush()
        other = subprocess.run([sys.executable, "-c", "from kg.extract.vocabulary import load_vocabulary; load_vocabulary()"],
                               env={**os.environ, "HOME": str(tmp_path)}, capture_output=True, text=True, timeout=300)
        assert other.returncode == 0, other.stderr
        fh.write(data[split:])

    monkeypatch.setattr(vocabulary.pickle, "dump", dump_with_another_process_meanwhile)
    try:
        vocab = vocabulary.load_vocabulary()
        (cache,) = (tmp_path / ".cache" / "kg").glob("vocab-*.pickle")
        with open(cache, "rb") as fh:
            assert pickle.load(fh) == vocab
        assert [p.name for p in cache.parent.iterdir() if p.name.endswith(".tmp")] == []
        cache.write_bytes(b"I1x\n.")  # pickle reads it as an int that is not one
        vocabulary.load_vocabulary.cache_clear()
        assert vocabulary.load_vocabulary() == vocab
    finally:
        vocabulary.load_vocabulary.cache_clear()
