"""How one customer's name and street line differ between two systems that were keyed by different people.

A stand-up's customer crosswalk is hard because the same customer is spelled differently on each side: an
office abbreviates (Mechanical / Mech, Street / St), one side keeps the legal suffix ("Inc.", ", LLC") and the
other does not, a suite number lands in the street line, a letter is mistyped, one side is typed in capitals or
without punctuation. `vary` applies one or two such differences to a (name, street line) pair, chosen by the
caller's seeded random stream, and says which kinds it applied, so a run is reproducible and a bench can score
the matcher per kind. It holds no knowledge of either system: the Spectrum generator decides which customers and
which side (spectrum/generator.py).
"""

from __future__ import annotations

import random
import re

KINDS = ("abbreviation", "legal_suffix", "suite", "typo", "case_punctuation")

# Both directions occur in real masters: the longer form is expanded as often as it is shortened.
NAME_ABBREVIATIONS = {
    "Mechanical": "Mech",
    "Corporation": "Corp",
    "Company": "Co",
    "Properties": "Props",
    "Manufacturing": "Mfg",
    "Services": "Svcs",
    "Partners": "Ptnrs",
    "Medical": "Med",
    "Center": "Ctr",
    "Distribution": "Dist",
    "Holdings": "Hldgs",
    "Group": "Grp",
    "International": "Intl",
    "Management": "Mgmt",
    "Health": "Hlth",
    "District": "Dist",
    "Association": "Assn",
}
STREET_ABBREVIATIONS = {
    "Street": "St",
    "Road": "Rd",
    "Drive": "Dr",
    "Boulevard": "Blvd",
    "Freeway": "Fwy",
    "Lane": "Ln",
    "Avenue": "Ave",
    "Parkway": "Pkwy",
}
LEGAL_SUFFIXES = (", Inc.", " Inc.", ", Inc", " Inc", " LLC", ", LLC", " Corp.", " Co.", " Ltd.")
_SUFFIX_AT_END = re.compile(r",?\s+(Inc\.?|LLC|L\.L\.C\.|Corp\.?|Co\.?|Ltd\.?)\s*$", re.IGNORECASE)


def _swap_words(text: str, table: dict[str, str], rng: random.Random) -> str | None:
    """One word of `text` replaced by its other form (long -> short or short -> long); None when none applies."""
    words = text.split(" ")
    reverse = {short: long for long, short in table.items()}
    spots = [i for i, w in enumerate(words) if w.rstrip(".,") in table or w.rstrip(".,") in reverse]
    if not spots:
        return None
    i = rng.choice(spots)
    bare = words[i].rstrip(".,")
    words[i] = words[i].replace(bare, table.get(bare) or reverse[bare], 1)
    return " ".join(words)


def abbreviate(name: str, street: str, rng: random.Random) -> tuple[str, str] | None:
    """A name word or, failing that, the street type in its other form."""
    first, second = (0, 1) if rng.random() < 0.6 else (1, 0)
    for which in (first, second):
        if which == 0 and (varied := _swap_words(name, NAME_ABBREVIATIONS, rng)) is not None:
            return varied, street
        if which == 1 and (varied := _swap_words(street, STREET_ABBREVIATIONS, rng)) is not None:
            return name, varied
    return None


def legal_suffix(name: str, rng: random.Random) -> str:
    """A legal suffix dropped when the name has one, else one added."""
    if _SUFFIX_AT_END.search(name):
        return _SUFFIX_AT_END.sub("", name).rstrip()
    return name.rstrip() + rng.choice(LEGAL_SUFFIXES)


def suite(street: str, rng: random.Random) -> str | None:
    """A suite number written into the street line (the other side keeps it in line 2, or not at all)."""
    if not street or re.search(r"\b(Ste|Suite|#)\b", street, re.IGNORECASE):
        return None
    number = rng.randint(1, 40) * 10 + rng.choice((0, 0, 0, 5))
    return f"{street} {rng.choice(('Ste', 'Suite', 'Ste.', '#'))} {number}"


def typo(name: str, rng: random.Random) -> str | None:
    """One letter of a word of four or more letters dropped, doubled, replaced or swapped with its neighbour;
    never the name's first letter (people rarely mistype the letter they start with)."""
    spots = [m.start() + k for m in re.finditer(r"[A-Za-z]{4,}", name) for k in range(1, len(m.group()) - 1)]
    spots = [i for i in spots if i > 0]
    if not spots:
        return None
    i = rng.choice(spots)
    how = rng.choice(("drop", "double", "replace", "swap"))
    if how == "drop":
        return name[:i] + name[i + 1 :]
    if how == "double":
        return name[: i + 1] + name[i:]
    if how == "swap" and name[i] != name[i + 1] and name[i + 1].isalpha():
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    letters = [c for c in "aeiourstnl" if c != name[i].lower()]
    new = rng.choice(letters)
    return name[:i] + (new.upper() if name[i].isupper() else new) + name[i + 1 :]


def case_punctuation(name: str, rng: random.Random) -> str:
    """Typed in capitals, or '&' / 'and', hyphens and full stops written differently."""
    options = [name.upper()]
    if "&" in name:
        options.append(name.replace("&", "and"))
    if " and " in name:
        options.append(name.replace(" and ", " & "))
    if "-" in name:
        options.append(name.replace("-", " "))
    if "." in name or "," in name:
        options.append(name.replace(".", "").replace(",", ""))
    return rng.choice(options)


def vary(name: str, street: str, rng: random.Random, n_kinds: int = 1) -> tuple[str, str, list[str]]:
    """(name, street, kinds applied): `n_kinds` different kinds tried in a random order, a kind that does not
    apply to this name (no word to abbreviate, a suite already there) skipped for the next one."""
    applied: list[str] = []
    for kind in rng.sample(KINDS, len(KINDS)):
        if len(applied) == n_kinds:
            break
        if kind == "abbreviation":
            pair = abbreviate(name, street, rng)
            if pair is None:
                continue
            name, street = pair
        elif kind == "legal_suffix":
            name = legal_suffix(name, rng)
        elif kind == "suite":
            varied = suite(street, rng)
            if varied is None:
                continue
            street = varied
        elif kind == "typo":
            varied = typo(name, rng)
            if varied is None:
                continue
            name = varied
        else:
            varied = case_punctuation(name, rng)
            if varied == name:
                continue
            name = varied
        applied.append(kind)
    return name, street, applied
