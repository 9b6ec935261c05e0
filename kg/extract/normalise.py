"""Normalisation: the key under which surface variants of one entity become one concept."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """NFKC, case-folded, letters and digits only ("MS-COCO" -> "mscoco")."""
    return _NON_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


@lru_cache(maxsize=1 << 16)
def entity_key(text: str) -> str:
    """fold() plus one trailing plural "s" dropped ("F1 scores" and "F1 score" share a key)."""
    key = fold(text)
    if len(key) > 3 and key.endswith("s") and not key.endswith("ss"):
        key = key[:-1]
    return key


def plural_variants(label: str) -> list[str]:
    """Regular plurals of a lowercase label's last word, for the phrase matcher."""
    if not label or not label[-1].isalpha() or label != label.lower():
        return []
    if label.endswith(("s", "x", "ch", "sh")):
        return [label + "es"] if not label.endswith("ss") else [label + "es"]
    if label.endswith("y") and len(label) > 2 and label[-2] not in "aeiou":
        return [label[:-1] + "ies"]
    return [label + "s"]


# Greek letters measures are named by, spelled out or written as the letter ("Spearman's rho", "Spearman ρ")
_GREEK = {"rho": "ρ", "tau": "τ", "kappa": "κ", "alpha": "α", "beta": "β", "sigma": "σ"}


def written_variants(label: str) -> list[str]:
    """The ways a name of a person's measure is written: with or without the possessive ("Cohen's
    kappa", "Cohen kappa") and with a Greek letter spelled out or as the letter ("Kendall's tau",
    "Kendall's τ")."""
    words = label.split(" ")
    if len(words) < 2:
        return []
    forms = {label}
    if words[0].endswith("'s"):
        forms.add(" ".join([words[0][:-2], *words[1:]]))
    for form in list(forms):
        last = form.rsplit(" ", 1)
        greek = _GREEK.get(last[1].lower()) or next((k for k, v in _GREEK.items() if v == last[1]), None)
        if greek:
            forms.add(f"{last[0]} {greek}")
    return sorted(forms - {label})


def spelling_variants(label: str) -> list[str]:
    """Hyphen / space variants ("pre-training", "pre training", "pretraining")."""
    out = {label}
    if "-" in label:
        out.add(label.replace("-", " "))
        out.add(label.replace("-", ""))
    return sorted(out - {label})
