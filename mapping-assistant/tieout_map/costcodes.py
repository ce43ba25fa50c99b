"""Cost code x cost type suggestions per company for pricebook items the mapping lacks.

In order of strength:
1. history: the job cost rows tied to the item's billed lines (history.py) vote for a cell;
2. similar: for an item with no tied rows (never billed, or billed as labor or a fee, which reach job cost
   through payroll or not at all), the cells of its nearest mapped items (similarity.py), kept only where the
   cost type is the one policy.yml gives the item's kind and the cell exists on the phase grids of the jobs
   it was billed on (or of any job of the company, when it was never billed);
3. kind: no usable neighbour: the cell of the kind's cost type found on the most grids.
Suggestions are company-wide rows (job_type empty), as the mapping file's product_code rows are.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from .files import Policy
from .history import History
from .similarity import Item, NeighbourIndex
from .suggestions import Suggestion
from .warehouse import Warehouse

# A pricebook productType -> the policy.yml category (companies.<code>.cost_types) whose cost type it books to.
# Fixed, not learned from the mapping, so a wrong mapping row cannot move the constraint. UNVERIFIED for real
# pricebooks: these are the productType values BuildOps shows in the twin; policy.yml's `mapping.kind_categories`
# adds or overrides types; a type listed nowhere gets no suggestion.
KIND_CATEGORY = {
    "labor": "labor",
    "fee": "other",
    "discount": "other",
    "part": "material",
    "material": "material",
    "equipment": "material",
}


@dataclass(frozen=True)
class Cell:
    phase_code: str
    cost_type: str

    def __str__(self) -> str:
        return f"{self.phase_code} x {self.cost_type}"


def load_pricebook(wh: Warehouse) -> dict[str, Item]:
    rows = wh.con.execute(
        f"select distinct on (trim(code)) trim(code), coalesce(name, ''), coalesce(description, ''), "
        f"coalesce(category, ''), coalesce(producttype, ''), coalesce(unitofmeasure, '') "
        f"from {wh.bo}.pricebook_items where code is not null and trim(code) <> '' order by trim(code)"
    ).fetchall()
    return {r[0]: Item(*r) for r in rows}


def mapped_cells(mapping_rows: list[dict[str, str]]) -> dict[tuple[str, str], Cell]:
    """(company, product code) -> the cell of its company-wide product_code row (blank company = every
    company, keyed under '')."""
    out: dict[tuple[str, str], Cell] = {}
    for row in mapping_rows:
        if row.get("match_type", "").lower() == "product_code" and not row.get("job_type"):
            out.setdefault(
                (row.get("company_code", "").upper(), row.get("match_value", "").upper()),
                Cell(row.get("phase_code", ""), row.get("cost_type", "")),
            )
    return out


class CostCodeSuggester:
    def __init__(
        self, history: History, pricebook: dict[str, Item], mapping_rows: list[dict[str, str]], policy: Policy
    ):
        self.history, self.pricebook, self.policy = history, pricebook, policy
        self.mapped = mapped_cells(mapping_rows)
        self.by_upper = {code.upper(): item for code, item in pricebook.items()}
        self.companies = sorted(policy.cost_types)

    def is_mapped(self, company: str, code: str) -> bool:
        return (company, code.upper()) in self.mapped or ("", code.upper()) in self.mapped

    def suggest(self) -> list[Suggestion]:
        from_history: list[Suggestion] = []
        pending: list[tuple[str, str]] = []
        for (company, code), entry in sorted(self.history.items.items()):
            if company not in self.policy.cost_types or self.is_mapped(company, code) or code not in self.pricebook:
                continue
            if entry.cells:
                from_history.append(self._from_history(company, code))
            else:
                pending.append((company, code))
        # Known cells: the mapping as it stands plus history's high band, the company's own evidence.
        known: dict[tuple[str, str], Cell] = {k: v for k, v in self.mapped.items() if k[0]}
        for s in from_history:
            if s.band == "high":
                known[(s.company_code, s.key.upper())] = Cell(s.phase_code, s.cost_type)
        self._known = known  # what a never-billed item's company is inferred from (_companies_of_unbilled)
        indexes = self._indexes(known)
        billed = {code for (_, code) in self.history.items}
        out = [self._confirmed(s, indexes, known) for s in from_history]
        for company, code in pending:
            out.append(self._from_similar(company, code, indexes.get(company), known))
        for code in sorted(set(self.pricebook) - billed):
            for company in self._companies_of_unbilled(code, indexes):
                if not self.is_mapped(company, code):
                    out.append(self._from_similar(company, code, indexes.get(company), known))
        return out

    # ---- history ---------------------------------------------------------------------------------------

    def _from_history(self, company: str, code: str) -> Suggestion:
        entry = self.history.items[(company, code)]
        # Ties go to the lower cell, not to whichever row the warehouse returned first: same input, same answer.
        ranked = sorted(entry.cells.items(), key=lambda kv: (-kv[1], kv[0]))
        (top, votes), total = ranked[0], sum(entry.cells.values())
        cell = Cell(*top)
        share = votes / total
        on_grid = top in self.history.grid.get(company, {})
        expected = self._kind_cost_type(company, code)
        kind_ok = expected is None or expected == cell.cost_type
        if votes >= 2 and share >= 0.9 and on_grid and kind_ok:
            band = "high"
        elif share >= 0.6 and on_grid:
            band = "medium"
        else:
            band = "low"
        agreeing = entry.amount_agrees[top]
        evidence = (
            f"{votes} of {total} job cost rows tied to its {entry.billed_lines} billed lines on "
            f"{len(entry.jobs)} job(s) landed on {cell} ({agreeing} agree on the amount)"
            + ("" if on_grid else "; the cell is on no job's phase grid")
            + ("" if kind_ok else f"; policy gives its kind cost type {expected}")
        )
        alternative = ""
        if len(ranked) > 1:
            second, n = ranked[1]
            alternative = f"{Cell(*second)}: {n} of {total} rows"
        return self._make(company, code, cell, band, round(100 * share, 1), "history", evidence, alternative)

    def _confirmed(self, suggestion: Suggestion, indexes: dict[str, NeighbourIndex], known) -> Suggestion:
        """A cell history shows only once (one tied row) is high when the item's similar mapped items sit on
        the same cell: two independent pieces of evidence agreeing."""
        entry = self.history.items[(suggestion.company_code, suggestion.key)]
        single = sum(entry.cells.values()) == 1 and len(entry.cells) == 1
        if suggestion.band != "medium" or not single or suggestion.company_code not in indexes:
            return suggestion
        similar = self._from_similar(suggestion.company_code, suggestion.key, indexes[suggestion.company_code], known)
        if (
            similar.source == "similar"
            and similar.band in ("high", "medium")
            and similar.proposal == suggestion.proposal
        ):
            evidence = f"{suggestion.evidence}; and {similar.evidence}"
            return replace(suggestion, band="high", evidence=evidence)
        if similar.source == "similar" and similar.proposal != suggestion.proposal:
            return replace(suggestion, alternative=f"{similar.proposal}: {similar.evidence}")
        return suggestion

    # ---- similar items ---------------------------------------------------------------------------------

    def _kind_cost_type(self, company: str, code: str) -> str | None:
        item = self.pricebook.get(code)
        kinds = {**KIND_CATEGORY, **self.policy.kind_categories}
        category = kinds.get(item.product_type.lower()) if item else None
        return self.policy.cost_type(company, category) if category else None

    def _indexes(self, known: dict[tuple[str, str], Cell]) -> dict[str, NeighbourIndex]:
        per_company: dict[str, list[Item]] = defaultdict(list)
        for company, code in known:
            item = self.by_upper.get(code.upper())
            if item:
                per_company[company].append(item)
        return {company: NeighbourIndex(items) for company, items in per_company.items()}

    def _companies_of_unbilled(self, code: str, indexes: dict[str, NeighbourIndex]) -> list[str]:
        """A never-billed item belongs where items like it are mapped: the companies that map items of its
        longest code prefix ('FA-PNL-', then 'FA-'), else of its pricebook category, else the company of its
        best-scoring neighbour. A prefix or category mapped in both companies sends the item to both."""
        item = self.pricebook[code]
        segments = code.upper().split("-")
        for size in range(len(segments) - 1, 0, -1):
            prefix = "-".join(segments[:size]) + "-"
            found = sorted({c for (c, known) in self._known if known.startswith(prefix)})
            if found:
                return found
        same_category = sorted(c for c, index in indexes.items() if index.has_category(item.category))
        if same_category:
            return same_category
        best: dict[str, float] = {}
        for company, index in indexes.items():
            nearest = index.nearest(item, limit=1)
            best[company] = nearest[0].score if nearest else 0.0
        top = max(best.values(), default=0.0)
        if top <= 0:
            return list(self.companies)  # nothing mapped anywhere: every company, each with "none"
        return sorted(c for c, score in best.items() if score >= top - 1)

    def _allowed_cells(self, company: str, code: str) -> tuple[set[tuple[str, str]], str]:
        """The grid cells a suggestion may use: on most of the jobs the item was billed on, else on any grid."""
        entry = self.history.items.get((company, code))
        jobs = entry.jobs if entry else set()
        grids = [g for job in jobs if (g := self.history.job_grid.get((company, job)))]
        if grids:
            counts = Counter(cell for g in grids for cell in g)
            return {
                c for c, n in counts.items() if n >= 0.9 * len(grids)
            }, f"the grids of its {len(grids)} billed job(s)"
        return set(self.history.grid.get(company, {})), "any job's grid"

    def _from_similar(self, company: str, code: str, index: NeighbourIndex | None, known) -> Suggestion:
        item = self.pricebook[code]
        expected = self._kind_cost_type(company, code)
        allowed, where = self._allowed_cells(company, code)
        if expected is None:  # a kind policy gives no cost type: no constraint to suggest within
            return self._from_kind(company, code, expected, allowed, where)
        neighbours = index.nearest(item) if index else []
        votes: dict[tuple[str, str], float] = defaultdict(float)
        support: dict[tuple[str, str], list] = defaultdict(list)
        for n in neighbours:
            cell = known[(company, n.item.code.upper())]
            key = (cell.phase_code, cell.cost_type)
            if (expected and cell.cost_type != expected) or key not in allowed:
                continue
            votes[key] += n.score
            support[key].append(n)
        if votes:
            ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
            top, weight = ranked[0]
            share = weight / sum(votes.values())
            best = support[top][0].score
            names = ", ".join(f"{n.item.code} ({n.score:.0f})" for n in support[top][:3])
            unanimous = len(ranked) == 1
            if best >= 90 and unanimous and len(support[top]) >= 3:
                band = "high"
            elif best >= 75 and share >= 0.7:
                band = "medium"
            else:
                band = "low"
            evidence = (
                f"{len(support[top])} similar mapped item(s) on {Cell(*top)}: {names}; cost type {top[1]} is "
                f"policy's for kind {item.product_type or '?'}; on {where}"
            )
            alternative = ""
            if len(ranked) > 1:
                second = ranked[1][0]
                alternative = f"{Cell(*second)}: " + ", ".join(
                    f"{n.item.code} ({n.score:.0f})" for n in support[second][:3]
                )
            return self._make(company, code, Cell(*top), band, round(best * share, 1), "similar", evidence, alternative)
        return self._from_kind(company, code, expected, allowed, where)

    def _from_kind(self, company: str, code: str, expected: str | None, allowed, where: str) -> Suggestion:
        item = self.pricebook[code]
        cells = [c for c in allowed if expected and c[1] == expected]
        if not cells:
            reason = (
                f"no similar mapped item and no cell with cost type {expected} on {where}"
                if expected
                else f"policy.yml gives no cost type for kind '{item.product_type}' in company {company}"
            )
            return self._make(company, code, None, "none", 0.0, "none", reason + "; map it by hand", "")
        grid = self.history.grid.get(company, Counter())
        ranked = sorted(cells, key=lambda c: (-grid.get(c, 0), c))
        top = ranked[0]
        entry = self.history.items.get((company, code))
        jobs = len(entry.jobs) if entry else 0
        # The only cell of the kind's cost type on the grids of three or more jobs it was billed on.
        band = ("high" if jobs >= 3 else "medium") if len(ranked) == 1 and entry else "low"
        evidence = (
            f"no similar mapped item; cost type {expected} is policy's for kind {item.product_type}; "
            f"{Cell(*top)} is on {grid.get(top, 0)} job grid(s)"
            + (" and the only such cell on " + where if len(ranked) == 1 else "")
        )
        alternative = f"{Cell(*ranked[1])}: on {grid.get(ranked[1], 0)} grid(s)" if len(ranked) > 1 else ""
        return self._make(
            company,
            code,
            Cell(*top),
            band,
            {"high": 80.0, "medium": 50.0}.get(band, 25.0),
            "kind",
            evidence,
            alternative,
        )

    def _make(self, company, code, cell, band, score, source, evidence, alternative) -> Suggestion:
        item = self.pricebook.get(code)
        return Suggestion(
            kind="cost_code",
            company_code=company,
            key=code,
            label=item.name if item else "",
            phase_code=cell.phase_code if cell else "",
            cost_type=cell.cost_type if cell else "",
            band=band,
            score=score,
            source=source,
            evidence=evidence,
            alternative=alternative,
        )
