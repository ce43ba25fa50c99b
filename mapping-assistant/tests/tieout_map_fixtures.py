"""A hand-made contractor, small enough to reason about every suggestion, landed as PyAirbyte lands the syncs
(schemas buildops_raw and spectrum_raw, one table a stream, lower-case columns, JSON kept as JSON).

Company MEC, cost types L (labor), M (material), O (other); jobs 100, 101, 102 share the grid 100xL, 200xM,
210xM. What each item is there for:
- PART-A: billed on invoices 5001 and 5002; job cost holds two stock issues at 200 x M -> history, high.
- PART-F: billed on 5003; job cost holds it once at 200 x M and once at 210 x M -> competing cells.
- PART-B: never billed; PART-C/D/E (mapped in the file at 200 x M) read alike -> similar, high.
- LAB-X: billed on three jobs, no job cost row (labor reaches job cost through payroll) -> kind, high.
- FEE-Z: never billed, no fee mapped, no grid has an O cell -> nothing found.
Customers: ACME01 holds invoice 5001 (BuildOps c-acme) -> posted; BETA01 has no invoice but the same phone and
ZIP as BuildOps c-beta -> fuzzy; ZULU01 shares nothing with anyone -> nothing found.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

POLICY = """companies:
  MEC:
    cost_types: {labor: L, material: M, other: O}
"""
MAPPING_HEADER = "company_code,match_type,match_value,job_type,phase_code,cost_type,note\n"
MAPPED = "".join(f"MEC,product_code,PART-{c},,200,M,\n" for c in "CDE")

PRICEBOOK = [
    # code, name, producttype, category, unit, unit cost
    ("PART-A", "Brass Gate Valve 1A", "Part", "Valves", "EA", 10.0),
    ("PART-B", "Copper Ball Valve 2B", "Part", "Valves", "EA", 12.0),
    ("PART-C", "Copper Ball Valve 3C", "Part", "Valves", "EA", 12.0),
    ("PART-D", "Copper Ball Valve 4D", "Part", "Valves", "EA", 12.0),
    ("PART-E", "Copper Ball Valve 5E", "Part", "Valves", "EA", 12.0),
    ("PART-F", "Steel Check Valve 6F", "Part", "Valves", "EA", 20.0),
    ("LAB-X", "Service Technician", "Labor", "Labor", "HR", 40.0),
    ("FEE-Z", "Trip Charge", "Fee", "Fees", "EA", 0.0),
]
# invoice number, BuildOps customer, Spectrum job, [(product code, quantity, amount)]
INVOICES = [
    ("5001", "c-acme", "100", [("PART-A", 2, 45.50), ("LAB-X", 1.5, 217.50)]),
    ("5002", "c-acme", "101", [("PART-A", 1, 22.75), ("LAB-X", 2, 290.00)]),
    ("5003", "c-acme", "102", [("PART-F", 3, 88.20), ("LAB-X", 1, 145.00)]),
]
# job, phase, cost type, reference, description, quantity, amount: stock issued for the billed parts
JOB_COST = [
    ("100", "200", "M", "5001", "BRASS GATE VALVE 1A", 2, 20.00),
    ("101", "200", "M", "5002", "BRASS GATE VALVE 1A", 1, 10.00),
    ("102", "200", "M", "5003", "STEEL CHECK VALVE 6F", 3, 60.00),
    ("102", "210", "M", "5003", "STEEL CHECK VALVE 6F", 3, 60.00),
    ("102", "100", "L", "PR0101", "Payroll labor", None, 310.25),
]
GRID = [(job, phase, ct) for job in ("100", "101", "102") for phase, ct in (("100", "L"), ("200", "M"), ("210", "M"))]


def customer_row(cid, name, phone, zipcode, email, address):
    """A buildops_raw.customers row as PyAirbyte lands it (addresses and audit as JSON)."""
    return (
        cid,
        name,
        phone,
        email,
        json.dumps({"items": [{"addressLine1": address, "zipcode": zipcode}]}),
        json.dumps({"deletedDateTime": None}),
    )


BUILDOPS_CUSTOMERS = [
    customer_row("c-acme", "Acme Property Group", "(214) 555-0101", "75201", "ap@acme.example.com", "1 Main St"),
    customer_row("c-beta", "Beta Mechanical LLC", "(214) 555-0202", "75202", "ap@beta.example.com", "2 Elm St"),
]
SPECTRUM_CUSTOMERS = [
    ("MEC", "ACME01", "ACME PROPERTY GROUP", "1 MAIN ST", "75201", "2145550101", "ap@acme.example.com"),
    ("MEC", "BETA01", "BETA MECHANICAL", "2 ELM ST", "75202", "2145550202", "ap@beta.example.com"),
    ("MEC", "ZULU01", "ZULU HOLDINGS", "9 OAK AVE", "10001", "2125559999", "ap@zulu.example.com"),
]


def build_warehouse(path: Path, *, item_code_column: bool = False, job_cost_descriptions: dict | None = None) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema buildops_raw; create schema spectrum_raw")
    con.execute(
        "create table buildops_raw.pricebook_items (id varchar, code varchar, name varchar, description varchar, "
        "producttype varchar, category varchar, unitofmeasure varchar, unitcost double, isactive boolean)"
    )
    for code, name, kind, category, unit, cost in PRICEBOOK:
        con.execute(
            "insert into buildops_raw.pricebook_items values (?, ?, ?, ?, ?, ?, ?, ?, true)",
            [f"id-{code}", code, name, f"{name} ({category})", kind, category, unit, cost],
        )
    con.execute(
        "create table buildops_raw.invoices (id varchar, invoicenumber varchar, customerid varchar, "
        "billingcustomerid varchar, departmentid varchar)"
    )
    con.execute(
        "create table buildops_raw.invoice_items (invoiceid varchar, name varchar, lineitemtype varchar, "
        "product json, quantity double, amount double)"
    )
    con.execute(
        "create table spectrum_raw.ar_invoices (company_code varchar, customer_code varchar, job_number varchar, "
        "invoice_or_transaction varchar, transaction_type varchar)"
    )
    names = {code: name for code, name, *_ in PRICEBOOK}
    for number, customer, job, lines in INVOICES:
        con.execute(
            "insert into buildops_raw.invoices values (?, ?, ?, null, 'dep-mec')", [f"inv-{number}", number, customer]
        )
        con.execute("insert into spectrum_raw.ar_invoices values ('MEC', 'ACME01', ?, ?, 'I')", [job, number])
        for code, quantity, amount in lines:
            con.execute(
                "insert into buildops_raw.invoice_items values (?, ?, 'PartLineItem', ?, ?, ?)",
                [f"inv-{number}", names[code], json.dumps({"code": code}), quantity, amount],
            )
    con.execute(
        "create table buildops_raw.customers (id varchar, name varchar, phoneprimary varchar, email varchar, "
        "addresses json, audit json)"
    )
    con.executemany("insert into buildops_raw.customers values (?, ?, ?, ?, ?, ?)", BUILDOPS_CUSTOMERS)
    con.execute("create table buildops_raw.departments (id varchar, name varchar, accountingattributes json)")
    con.execute("insert into buildops_raw.departments values ('dep-mec', 'MEC - HVAC Service', null)")
    extra = ", item_code varchar" if item_code_column else ""
    con.execute(
        "create table spectrum_raw.job_cost_transactions (company_code varchar, job_number varchar, "
        "phase_code varchar, cost_type varchar, tran_type_code varchar, reference_1 varchar, "
        f"invoice_number varchar, description varchar, quantity double, tran_amount double{extra})"
    )
    for job, phase, ct, reference, description, quantity, amount in JOB_COST:
        shown = (job_cost_descriptions or {}).get(description, description)
        values = ["MEC", job, phase, ct, "IC", reference, "", shown, quantity, amount]
        if item_code_column:
            values.append(next((c for c, n in names.items() if n.upper() == description), ""))
        con.execute(f"insert into spectrum_raw.job_cost_transactions values ({', '.join('?' * len(values))})", values)
    con.execute(
        "create table spectrum_raw.phases (company_code varchar, job_number varchar, phase_code varchar, "
        "cost_type varchar, status_code varchar)"
    )
    con.executemany("insert into spectrum_raw.phases values ('MEC', ?, ?, ?, 'A')", GRID)
    con.execute(
        "create table spectrum_raw.customers (company_code varchar, customer_code varchar, name varchar, "
        "address_1 varchar, zip_code varchar, phone varchar, customer_email varchar)"
    )
    con.executemany("insert into spectrum_raw.customers values (?, ?, ?, ?, ?, ?, ?)", SPECTRUM_CUSTOMERS)
    con.close()
    return path


def add_vendors(contractor: Path) -> None:
    """Vendors on both sides: v-ferg shares its number with Spectrum V100; v-john has no number, only a name
    close to Spectrum V200's."""
    con = duckdb.connect(str(contractor / "warehouse.duckdb"))
    con.execute(
        "create table buildops_raw.vendors (id varchar, vendornumber varchar, name varchar, email varchar, "
        "phoneprimary varchar, addresses json, audit json)"
    )
    con.execute(
        "insert into buildops_raw.vendors values (?, ?, ?, null, null, '[]', '{}'), (?, ?, ?, null, null, '[]', '{}')",
        ["v-ferg", "V100", "Ferguson Enterprises", "v-john", "", "Johnstone Supply Co"],
    )
    con.execute(
        "create table spectrum_raw.vendors (company_code varchar, vendor_code varchar, vendor_name varchar, "
        "address_1 varchar, zip_code varchar, phone varchar, vendor_email varchar)"
    )
    con.execute(
        "insert into spectrum_raw.vendors values ('MEC', 'V100', 'FERGUSON ENTERPRISES', null, null, null, null), "
        "('MEC', 'V200', 'JOHNSTONE SUPPLY', null, null, null, null)"
    )
    con.close()
