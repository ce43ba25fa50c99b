"""Child streams driven by a parent stream's records, listing the parent once per sync.

A declaration with `parent="projects", parent_keys=("id",)` has a read function `read(state, parents)`:
`parents` is an iterable of `{"id": ...}`, one per record of the parent stream. When the parent stream itself
ran a full pass earlier in the same sync, the child gets the keys recorded while those records went out (the
adapters read parents before their children); otherwise (the parent not selected, or read incrementally, so
only changed parents went out) the core reads the parent in full for the child, without emitting it. Only the
named keys are kept, so memory grows with the number of parents, not with their size.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from tieout_core._declarations import Checkpoint, ReadItem, Record, StreamDeclaration


def in_family_order(declarations: Sequence[StreamDeclaration]) -> list[StreamDeclaration]:
    """The declarations with every parent before its driven children, otherwise in the order given.

    Raises ValueError (a mistake in the connector, not in the config) for a driven child whose parent is not
    declared, or for parents that form a cycle.
    """
    by_name = {d.name: d for d in declarations}
    ordered: list[StreamDeclaration] = []
    placed: set[str] = set()

    def place(declaration: StreamDeclaration, path: tuple[str, ...]) -> None:
        if declaration.name in placed:
            return
        if declaration.name in path:
            raise ValueError(f"streams {' -> '.join((*path, declaration.name))} are each other's parents")
        if declaration.parent_keys is not None:
            parent = by_name.get(declaration.parent or "")
            if parent is None:
                raise ValueError(
                    f"stream {declaration.name!r} is driven by parent {declaration.parent!r}, which is not declared"
                )
            place(parent, (*path, declaration.name))
        placed.add(declaration.name)
        ordered.append(declaration)

    for declaration in declarations:
        place(declaration, ())
    return ordered


class Family:
    """One sync's parent keys: what each parent's full pass emitted, for the children that read it."""

    def __init__(self, declarations: Sequence[StreamDeclaration]):
        self._by_name = {d.name: d for d in in_family_order(declarations)}
        self._wanted: dict[str, tuple[str, ...]] = {}
        for declaration in self._by_name.values():
            if declaration.parent_keys is not None and declaration.parent:
                keys = self._wanted.get(declaration.parent, ())
                self._wanted[declaration.parent] = keys + tuple(k for k in declaration.parent_keys if k not in keys)
        self._seen: dict[str, list[dict[str, Any]]] = {}

    @property
    def declarations(self) -> list[StreamDeclaration]:
        return list(self._by_name.values())

    def parents_first(self, names: Sequence[str]) -> list[str]:
        """`names` (a catalog's streams) reordered only as far as needed to read each parent before its children."""
        selected = set(names)
        ordered: list[str] = []

        def place(name: str) -> None:
            if name in ordered:
                return
            declaration = self._by_name.get(name)
            if declaration is not None and declaration.parent_keys is not None and declaration.parent in selected:
                place(declaration.parent)
            ordered.append(name)

        for name in names:
            place(name)
        return ordered

    def read(self, declaration: StreamDeclaration, state: Mapping[str, Any]) -> Iterator[ReadItem]:
        """The declaration's read function, handed its parents when it is a driven child."""
        if declaration.parent_keys is None:
            return declaration.read(state)
        return declaration.read(state, self._parents_of(declaration))

    def passing(self, declaration: StreamDeclaration, records: Iterator[Record], full_pass: bool) -> Iterator[Record]:
        """`records` unchanged; when a child reads this stream and this is a full pass, their keys are kept."""
        keys = self._wanted.get(declaration.name)
        if keys is None or not full_pass:
            return records
        return self._keeping(declaration.name, keys, records)

    def _keeping(self, name: str, keys: tuple[str, ...], records: Iterator[Record]) -> Iterator[Record]:
        kept = []
        for record in records:
            kept.append({key: record.get(key) for key in keys})
            yield record
        self._seen[name] = kept  # only a pass that ran to its end stands in for a listing

    def _parents_of(self, child: StreamDeclaration) -> Iterator[dict[str, Any]]:
        keys = child.parent_keys or ()
        seen = self._seen.get(child.parent or "")
        if seen is not None:
            for kept in seen:
                yield {key: kept[key] for key in keys}
            return
        parent = self._by_name[child.parent or ""]
        for item in self.read(parent, {}):
            if not isinstance(item, Checkpoint):
                yield {key: item.get(key) for key in keys}
