"""Apple Podcasts categories (podcast/data/apple_categories.json), checked case-sensitively."""

from __future__ import annotations

import difflib
import json
from functools import cache
from pathlib import Path

CATEGORIES_JSON = Path(__file__).resolve().parent.parent / "data" / "apple_categories.json"


@cache
def apple_categories() -> dict[str, tuple[str, ...]]:
    """Category -> its sub-categories, in Apple's order."""
    data = json.loads(CATEGORIES_JSON.read_text(encoding="utf-8"))
    return {cat: tuple(subs) for cat, subs in data["categories"].items()}


def _hint(value: str, choices: list[str]) -> str:
    exact_case = [c for c in choices if c.casefold() == value.casefold()]
    close = exact_case or difflib.get_close_matches(value, choices, n=1, cutoff=0.5)
    return f"did you mean '{close[0]}'?" if close else ""


def check_category(category: str, subcategory: str | None) -> list[tuple[str, str, str]]:
    """Problems as (field, message, fix); empty when the pair is on Apple's list."""
    cats = apple_categories()
    problems = []
    if category not in cats:
        hint = _hint(category, list(cats))
        problems.append((
            "category",
            f"'{category}' is not an Apple Podcasts category (names are case-sensitive)",
            hint or "use one of: " + ", ".join(cats),
        ))
        # check the sub-category against the category the user most likely meant
        category = next((c for c in cats if c.casefold() == category.casefold()), "")
        if not category:
            return problems
    if subcategory is None:
        return problems
    return problems + _check_sub(cats, category, subcategory)


def _check_sub(cats: dict[str, tuple[str, ...]], category: str,
               subcategory: str) -> list[tuple[str, str, str]]:
    subs = cats[category]
    if subcategory in subs:
        return []
    owner = next((c for c, s in cats.items() if subcategory in s), None)
    if owner:
        elsewhere = f" ('{subcategory}' belongs to '{owner}')"
    elif subcategory in cats:  # e.g. History, a sub-category of Society & Culture until 2019
        elsewhere = f" ('{subcategory}' is a category of its own)"
    else:
        elsewhere = ""
    if not subs:
        return [("subcategory", f"'{subcategory}' is not a sub-category of '{category}':"
                 f" '{category}' has no sub-categories{elsewhere}", "remove 'subcategory'")]
    hint = _hint(subcategory, list(subs))
    return [(
        "subcategory",
        f"'{subcategory}' is not a sub-category of '{category}'{elsewhere}",
        hint or f"use one of: {', '.join(subs)}",
    )]
