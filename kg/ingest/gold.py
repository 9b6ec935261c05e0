"""The shape of a gold record (examples/gold/GUIDELINES.md, RESULTS_GUIDELINES.md), checked as each
line of a gold file is read: a record kg cannot score or train on is one error naming its file and
line, never a traceback later (a title that is a number) or a paper silently scored empty (an
abstract that is not text)."""
from __future__ import annotations

import math

from kg.errors import InputError
from kg.model import ENTITY_TYPES


_JSON_KIND = {str: "a string", int: "a number", float: "a number", bool: "true or false", list: "an array",
              dict: "an object"}


def check_gold_record(path: str, line: int, record: object) -> dict:
    """`record` when it has the shape of a gold record, else an InputError naming `path:line`."""
    def bad(reason: str) -> InputError:
        return InputError(str(path), f"not a gold record: {reason}", line=line)

    if not isinstance(record, dict):
        raise bad(f"{_JSON_KIND.get(type(record), 'a value')}, not an object with title and entities")
    title = record.get("title")
    if not isinstance(title, str) or not title.strip():
        raise bad("no title (a non-empty string)")
    for key in ("abstract", "id"):
        if record.get(key) is not None and not isinstance(record[key], str if key == "abstract" else (str, int)):
            raise bad(f'"{key}" is {_JSON_KIND.get(type(record[key]), "a value")}, not text')
    for key in ("entities", "results"):
        items = record.get(key)
        if items is not None and not (isinstance(items, list) and all(isinstance(i, dict) for i in items)):
            raise bad(f'"{key}" is not a list of objects')
    for entity in record.get("entities") or []:
        name = entity.get("name")
        if not isinstance(name, str) or not name.strip():
            raise bad(f"an entity without a name (a non-empty string): {entity!r:.80}")
        if entity.get("type") not in ENTITY_TYPES:
            raise bad(f"unknown entity type {entity.get('type')!r} of entity {name!r} (types: {', '.join(ENTITY_TYPES)})")
        aliases = entity.get("aliases", [])
        if not (isinstance(aliases, list) and all(isinstance(a, str) for a in aliases)):
            raise bad(f"the aliases of entity {name!r} are not a list of strings")
        if entity.get("role") is not None and not isinstance(entity["role"], str):
            raise bad(f"the role of entity {name!r} is not text")
    for result in record.get("results") or []:
        value = result.get("value")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise bad(f"a result whose value is not a number: {result!r:.80}")
        if not isinstance(result.get("relative", False), bool):  # bool("no") is True: a flag read wrong
            raise bad(f'a result whose "relative" is not true or false: {result!r:.80}')
        for key in ("method", "metric", "unit", "dataset"):
            if result.get(key) is not None and not isinstance(result[key], str):
                raise bad(f'a result whose "{key}" is not text: {result!r:.80}')
    return record
