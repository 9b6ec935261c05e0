"""The judge's choice of boundary: each rule mention is also proposed widened to the words around
it, and a widened proposal the judge adds replaces the entity the rules cut short."""
from __future__ import annotations

TITLE = "Zorp: Robust Graph Retrieval"
ABSTRACT = ("We propose Zorp, which adds a cross-scale gating mechanism to graph retrieval. Zorp improves "
            "recall on the quorva-XL benchmark and on Quorva.")


def _rules_output(nlp):
    from kg.extract.resolve import resolver
    from kg.model import Paper

    paper = Paper(id="p", title=TITLE, abstract=ABSTRACT)
    doc = nlp(paper.text)
    return doc, resolver()(doc, paper)


def test_rule_mentions_are_proposed_widened_to_the_words_around_them(nlp):
    from kg.extract.judge import proposals

    doc, extraction = _rules_output(nlp)
    ruled = {e.label: e.type for e in extraction.entities}
    # the rules cut these short: a hyphenated word's tail (after a lower-case first part; a
    # capitalised one starts the name, "Quorva-XL"), a word before a vocabulary phrase
    assert ruled.get("gating mechanism") == "method" and ruled.get("XL") == "dataset"
    widened = {e.label: {m.rule for m in e.mentions} for e in proposals(doc, extraction, extend_words=2)}
    assert widened["cross-scale gating mechanism"] == {"judge-extends-method"}
    assert widened["quorva-XL"] == widened["quorva-XL benchmark"] == {"judge-extends-dataset"}
    # never across a stop word ("a", "to") nor a rule entity again
    assert not any(form.startswith("a ") or form.endswith(" to") for form in widened)
    assert not set(widened) & set(ruled)
    # without extend_words only name-shaped runs outside every rule mention are proposed
    plain = proposals(doc, extraction)
    assert {m.rule for e in plain for m in e.mentions} == {"judge"}
    assert "Quorva" in {e.label for e in plain}


def _widening_judge():
    from kg.extract.judge import Judge

    judge = Judge(None, "judge", extend_words=2)
    judge.keep = {"bias": 3.0, "weights": {}}  # keeps every rule entity
    judge.keep_above = {t: 0.5 for t in judge.keep_above}
    # the add model: a widened method mention is a method, a one-word widening of a dataset a dataset
    judge.add = {"classes": ["dataset", "method", "none"], "bias": [0.0, 0.0, 1.0],
                 "weights": {"rule=judge-extends-method|new": [0.0, 3.0, 0.0],
                             "rule=judge-extends-dataset|new": [2.0, 0.0, 0.0],
                             "words=2|new": [-3.0, 0.0, 0.0]}}
    judge.add_above = {t: 0.6 for t in judge.add_above}
    return judge


def test_an_added_wider_boundary_replaces_the_entity_the_rules_cut_short(nlp):
    doc, extraction = _rules_output(nlp)
    out = {e.label: e.type for e in _widening_judge().finish(doc, extraction).entities}
    assert out.get("cross-scale gating mechanism") == "method"
    assert out.get("quorva-XL") == "dataset" and "XL" not in out
    assert "quorva-XL benchmark" not in out
    # an entity whose mentions no added proposal covers stays
    assert out.get("Graph Retrieval") == "task"


def test_an_entity_the_vocabulary_knows_stays_beside_the_wider_name(nlp):
    # "gating mechanism" is a vocabulary concept: the paper does use it, so its link stays beside
    # "cross-scale gating mechanism"; the same entity without its concept is replaced
    doc, extraction = _rules_output(nlp)
    (narrow,) = [e for e in extraction.entities if e.label == "gating mechanism"]
    assert narrow.concept
    out = {e.label for e in _widening_judge().finish(doc, extraction).entities}
    assert {"gating mechanism", "cross-scale gating mechanism"} <= out
    doc, extraction = _rules_output(nlp)
    for e in extraction.entities:
        e.concept = None
    out = {e.label for e in _widening_judge().finish(doc, extraction).entities}
    assert "cross-scale gating mechanism" in out and "gating mechanism" not in out
