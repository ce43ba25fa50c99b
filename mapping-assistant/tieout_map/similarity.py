"""Nearest mapped pricebook items by text (rapidfuzz): name, description, category, product type and unit of
measure folded into one string per item, compared with token_set_ratio.

Why rapidfuzz and not TF-IDF: pricebook names are short ("Copper HVAC Filter 55G") and share a vocabulary per
category; token_set_ratio scores a shared category or noun phrase high whatever the word order, needs no corpus
statistics (a stand-up may have only a few dozen mapped items), and the bench measures its precision.
Neighbours are blocked by product type first (a part's neighbours are parts), and fall back to every mapped
item only when no item of its type is mapped yet.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    description: str
    category: str
    product_type: str
    unit: str

    @property
    def text(self) -> str:
        # The description repeats the name plus the category in the twin; real pricebooks often hold a longer
        # text. Both go in: token_set_ratio ignores the repetition.
        return " ".join(
            part.lower() for part in (self.name, self.description, self.category, self.product_type, self.unit) if part
        )


@dataclass(frozen=True)
class Neighbour:
    item: Item
    score: float


class NeighbourIndex:
    """Mapped items of one company, searchable by text."""

    def __init__(self, items: list[Item]):
        self.items = items
        self._by_type: dict[str, list[Item]] = defaultdict(list)
        for item in items:
            self._by_type[item.product_type.lower()].append(item)

    def has_category(self, category: str) -> bool:
        return bool(category) and any(item.category.lower() == category.lower() for item in self.items)

    def nearest(self, item: Item, limit: int = 8, min_score: float = 50.0) -> list[Neighbour]:
        pool = self._by_type.get(item.product_type.lower()) or self.items
        pool = [p for p in pool if p.code != item.code]
        if not pool:
            return []
        found = process.extract(
            item.text, [p.text for p in pool], scorer=fuzz.token_set_ratio, limit=limit, score_cutoff=min_score
        )
        return [Neighbour(pool[index], float(score)) for _, score, index in found]
