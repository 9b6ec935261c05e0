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


def spelling_variants(label: str) -> list[str]:
    """Hyphen / space variants ("pre-training", "pre training", "pretraining")."""
    out = {label}
    if "-" in label:
        out.add(label.replace("-", " "))
        out.add(label.replace("-", ""))
    return sorted(out - {label})
