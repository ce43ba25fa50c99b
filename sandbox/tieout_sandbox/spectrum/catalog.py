"""Spectrum-side setup that does not come from BuildOps: cost types, phase grids, GL accounts, periods.

Each company defines its own cost types (Spectrum's are user-defined): MEC uses the letters many installs
use plus B for burden; FPR uses numbered codes as in Trimble's help examples.
"""

from __future__ import annotations

COMPANIES = ("MEC", "FPR")
COMPANY_NAMES = {"MEC": "Lone Star Mechanical", "FPR": "Lone Star Fire Protection"}

# category -> cost type, per company
COST_TYPES = {
    "MEC": {"labor": "L", "burden": "B", "material": "M", "sub": "S", "equipment": "E", "other": "O"},
    "FPR": {"labor": "L01", "burden": "LB1", "material": "M01", "sub": "S01", "equipment": "EQ", "other": "O01"},
}
COST_TYPE_ROWS = {
    # (cost type, description, category letter, burden flag)
    "MEC": [
        ("L", "Labor", "L", "N"),
        ("B", "Labor Burden", "L", "Y"),
        ("M", "Material", "M", "N"),
        ("S", "Subcontract", "S", "N"),
        ("E", "Equipment", "E", "N"),
        ("O", "Other", "O", "N"),
    ],
    "FPR": [
        ("L01", "Field Labor", "L", "N"),
        ("LB1", "Labor Burden", "L", "Y"),
        ("M01", "Material", "M", "N"),
        ("S01", "Subcontract", "S", "N"),
        ("EQ", "Equipment", "E", "N"),
        ("O01", "Other Job Cost", "O", "N"),
    ],
}
COST_GL = {"L": "5100", "M": "5200", "S": "5300", "E": "5400", "O": "5500"}

# Service job grids (phase, description, cost-type categories) by the BuildOps department's trade.
SERVICE_GRIDS = {
    "hvac": [
        ("100", "Service Labor", ("labor", "burden")),
        ("200", "Parts & Materials", ("material",)),
        ("210", "Refrigerant", ("material",)),
        ("300", "Subcontract", ("sub",)),
        ("400", "Equipment Rental", ("equipment",)),
        ("900", "Fees & Other", ("other",)),
    ],
    "plumbing": [
        ("100", "Service Labor", ("labor", "burden")),
        ("200", "Parts & Materials", ("material",)),
        ("300", "Subcontract", ("sub",)),
        ("900", "Fees & Other", ("other",)),
    ],
    "fire": [
        ("100", "Service Labor", ("labor", "burden")),
        ("200", "Parts & Materials", ("material",)),
        ("300", "Subcontract", ("sub",)),
        ("900", "Fees & Other", ("other",)),
    ],
}

# Project grids: (phase, description, categories, budget weight). Phase codes stored without dashes.
PROJECT_GRIDS = {
    "MEC": [
        ("010100", "General Conditions", ("labor", "burden", "other"), 0.08),
        ("150100", "Plumbing Piping", ("labor", "burden", "material"), 0.18),
        ("155100", "HVAC Equipment", ("material", "sub", "equipment"), 0.26),
        ("158100", "Ductwork", ("labor", "burden", "material", "sub"), 0.20),
        ("159000", "Controls", ("sub",), 0.09),
        ("159500", "Insulation", ("sub",), 0.06),
        ("159900", "Test & Balance", ("sub",), 0.03),
        ("160000", "Start-up & Closeout", ("labor", "burden"), 0.10),
    ],
    "FPR": [
        ("010100", "General Conditions", ("labor", "burden", "other"), 0.08),
        ("211000", "Sprinkler Piping", ("labor", "burden", "material"), 0.38),
        ("211300", "Sprinkler Heads", ("labor", "burden", "material"), 0.14),
        ("211500", "Risers & Valves", ("material", "sub"), 0.12),
        ("213000", "Fire Pump", ("material", "sub", "equipment"), 0.10),
        ("283100", "Fire Alarm", ("labor", "burden", "material", "sub"), 0.18),
    ],
}

GL = {
    "cash": "1000",
    "ar": "1200",
    "ar_retention": "1210",
    "revenue_service": "4000",
    "revenue_project": "4100",
    "sales_tax": "2300",
    "ap": "2000",
    "ap_retention": "2010",
    "wages_payable": "2100",
    "burden_accrual": "2110",
    "inventory": "1400",
    "equipment_recovery": "4900",
}

BURDEN_RATE = {"MEC": "0.3400", "FPR": "0.3800"}  # of gross pay: taxes, insurance, union fringe
RETENTION_PERCENT = {"MEC": "10.00", "FPR": "5.00"}


def trade_of_department(name: str | None) -> str:
    lowered = (name or "").lower()
    if "fire" in lowered or "sprinkler" in lowered:
        return "fire"
    if "plumb" in lowered:
        return "plumbing"
    return "hvac"
