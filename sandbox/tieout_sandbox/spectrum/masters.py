"""Masters: cost types, customers, jobs and their phase grids, vendors, employees, equipment, periods."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from .. import name_variants
from . import bo
from .catalog import COMPANIES, COST_GL, COST_TYPE_ROWS, COST_TYPES, PROJECT_GRIDS, SERVICE_GRIDS, trade_of_department
from .context import Employee, Job, Run, Vendor


def company_of_department(dept: dict) -> str:
    entity = bo.pick(dept, "accountingAttributes.accountingEntity")
    if entity in COMPANIES:
        return entity
    name = str(bo.pick(dept, "name", default=""))
    prefix = name.split(" - ")[0].strip().upper()
    if prefix in COMPANIES:
        return prefix
    return bo.company_of_department(name) or "MEC"


def load_reference(run: Run) -> None:
    for dept in run.buildops.get("departments", []):
        run.departments[dept["id"]] = (company_of_department(dept), str(bo.pick(dept, "tagName", "name", default="")))
    for jt in run.buildops.get("job_types", []):
        run.job_types[jt["id"]] = str(bo.pick(jt, "name", default=""))
    for product in run.buildops.get("pricebook_items", []):
        code = bo.pick(product, "code", "productCode")
        if code:
            run.products[str(code)] = product


def cost_types(run: Run) -> None:
    for company in COMPANIES:
        for cost_type, description, category, burden in COST_TYPE_ROWS[company]:
            run.tables["JC_COST_TYPE_MASTER_MC"].write(
                {
                    "Company_Code": company,
                    "Cost_Type": cost_type,
                    "Description": description,
                    "Cost_Category": category,
                    "Post_Detail_Flag": "Y" if category in "LS" else "N",
                    "GL_Account": COST_GL[category],
                    "Burden_Flag": burden,
                    "Status_Code": "A",
                }
            )


def job_company_and_trade(run: Run, job: dict) -> tuple[str, str]:
    depts = job.get("departments") or []
    dept_id = bo.pick(depts[0], "id") if depts else bo.pick(job, "departmentId")
    if dept_id in run.departments:
        company, name = run.departments[dept_id]
        return company, trade_of_department(name)
    name = str(bo.pick(depts[0], "name", default="")) if depts else ""
    type_name = str(bo.pick(job, "jobTypeName", default=""))
    company = bo.company_of_department(name or type_name) or "MEC"
    return company, trade_of_department(name or type_name)


def _status(run: Run, job: dict, end: dt.date | None) -> str:
    status = str(bo.pick(job, "status", default="Open")).lower()
    if status in ("canceled", "cancelled"):
        return "I"
    if status == "complete" and end and (run.as_of - end).days > 60:
        return "C"
    return "A"


def jobs(run: Run) -> None:
    rng = run.rng("jobs")
    # Its own stream, so planning completions leaves every other draw as it was.
    plans = run.rng("jobs/planned_completion")
    for rec in run.buildops.get("jobs", []):
        if bo.is_deleted(rec) or not bo.pick(rec, "jobNumber"):
            continue
        company, trade = job_company_and_trade(run, rec)
        type_name = str(bo.pick(rec, "jobTypeName", default=run.job_types.get(bo.pick(rec, "jobTypeId"), "")))
        project = (
            bo.is_project_job_type(type_name) or "progress" in str(bo.pick(rec, "billingType", default="")).lower()
        )
        kind = "project" if project else ("agreement" if bo.pick(rec, "serviceAgreementId") else "service")
        number = bo.pad_job(bo.key_code(str(rec["jobNumber"]), 10))
        if (company, number) in run.jobs_by_key:
            continue
        start = bo.to_date(bo.pick(rec, "audit.createdDateTime", "audit.createdDate")) or run.as_of
        end = bo.to_date(bo.pick(rec, "completedDate"))
        customer_id = bo.pick(rec, "billingCustomerId", "customerId")
        contract = bo.money(bo.pick(rec, "amountQuoted"))
        if project and contract <= 0:
            low, high = (150_000, 2_500_000) if company == "MEC" else (60_000, 900_000)
            contract = Decimal(rng.randrange(low, high) * 100).quantize(bo.CENT) / 100
        job = Job(
            company=company,
            number=number,
            buildops_id=rec.get("id"),
            buildops_number=str(rec["jobNumber"]),
            customer_code="",
            buildops_customer_id=customer_id,
            job_type=type_name,
            kind=kind,
            trade=trade,
            status=_status(run, rec, end),
            start=start,
            end=end,
            contract=contract,
            progress_billed=project,
            serviced_by_agreement=bool(bo.pick(rec, "serviceAgreementId")),
            buildops_status=str(bo.pick(rec, "status", default="")),
        )
        job.customer_code = register_customer(run, company, customer_id)
        if kind == "project" and end is None:
            job.planned_end = start + dt.timedelta(days=plans.randrange(180, 720))
        _grid(job)
        run.jobs[rec["id"]] = job
        run.jobs_by_key[(company, number)] = job


def _grid(job: Job) -> None:
    types = COST_TYPES[job.company]
    if job.kind == "project":
        rows = [(phase, desc, cats) for phase, desc, cats, _ in PROJECT_GRIDS[job.company]]
    else:
        rows = SERVICE_GRIDS["fire" if job.company == "FPR" else job.trade]
    for phase, description, categories in rows:
        for category in categories:
            job.grid[(phase, types[category])] = description


# ---- customers --------------------------------------------------------------------------------------


def register_customer(run: Run, company: str, customer_id: str | None) -> str:
    if not customer_id:
        customer_id = "UNKNOWN"
    key = (company, customer_id)
    if key in run.customer_codes:
        return run.customer_codes[key]
    record = run_customers(run).get(customer_id, {})
    name = str(bo.pick(record, "name", default="UNKNOWN CUSTOMER")).strip()
    stem = re.sub(r"[^A-Z]", "", name.upper().split(" ")[0])[:6] or "CUST"
    # Codes like SUMMIT01: the first word plus a sequence per stem (SUMMIT100 once a stem passes 99).
    counters = run.__dict__.setdefault("_customer_stems", {})
    counters[stem] = counters.get(stem, 0) + 1
    n = counters[stem]
    code = f"{stem}{n:02d}"  # letters then digits: unique per (stem, n), at most 10 characters
    run.customer_codes[key] = code
    run.customer_names[(company, code)] = name[:30]
    return code


# One customer in three keyed differently in Spectrum than in BuildOps (issue 15 section 4), each with one or
# two of name_variants.KINDS. Only customers the crosswalk links vary: dbt ties the others by their exact
# normalised name (int_customer_xref), and a variant there would be an unplanted customer_unmatched.
NAME_VARIANT_SHARE = 0.35


def vary_customer_names(run: Run, crosswalk: list[dict]) -> list[dict]:
    """Give a seeded share of the crosswalk-linked Spectrum customers a name / street line that differs from
    BuildOps the way real masters do; return what changed (truth.json `mapping.customer_variants`)."""
    rng = run.rng("name_variants")
    index = run_customers(run)
    out = []
    for row in sorted(crosswalk, key=lambda r: (r["company_code"], r["customer_code"])):
        if rng.random() >= NAME_VARIANT_SHARE:
            continue
        key = (row["company_code"], row["customer_code"])
        record = index.get(row["buildops_customer_id"], {})
        old_name = str(bo.pick(record, "name", default="")).strip()
        old_street = bo.text(bo.pick(_first_address(record), "addressLine1"), 60)
        name, street, kinds = name_variants.vary(old_name, old_street, rng, 2 if rng.random() < 0.3 else 1)
        run.customer_names[key] = name[:30]
        run.__dict__.setdefault("_customer_streets", {})[key] = street[:30]
        out.append(
            {
                **row,
                "kinds": kinds,
                "buildops_name": old_name,
                "spectrum_name": name[:30],
                "buildops_address_1": old_street,
                "spectrum_address_1": street[:30],
            }
        )
    return out


def _first_address(rec: dict) -> dict:
    addresses = bo.pick(rec, "addresses.items", default=None) or bo.pick(rec, "addresses", default=[]) or [{}]
    return addresses[0] if isinstance(addresses, list) and addresses else {}


def run_customers(run: Run) -> dict[str, dict]:
    cache = run.__dict__.setdefault("_customer_index", None)
    if cache is None:
        cache = {c["id"]: c for c in run.buildops.get("customers", []) if c.get("id")}
        run.__dict__["_customer_index"] = cache
    return cache


def customers(run: Run, balances: dict[tuple[str, str], dict]) -> None:
    """Written after AR so Balance / Billed_YTD / Paid_YTD hold what the invoices say."""
    index = run_customers(run)
    by_code = {(company, code): cid for (company, cid), code in run.customer_codes.items()}
    for (company, code), cid in sorted(by_code.items()):
        rec = index.get(cid, {})
        address = _first_address(rec)
        streets = run.__dict__.get("_customer_streets", {})
        status = str(bo.pick(rec, "status", default="active")).lower()
        facts = balances.get((company, code), {})
        zero = Decimal("0.00")
        run.tables["CR_CUSTOMER_MASTER_MC"].write(
            {
                "Company_Code": company,
                "Customer_Code": code,
                "Name": run.customer_names[(company, code)],
                "Address_1": streets.get((company, code)) or bo.text(bo.pick(address, "addressLine1"), 30),
                "Address_2": bo.text(bo.pick(address, "addressLine2"), 30),
                "City": bo.text(bo.pick(address, "city"), 20),
                "State": bo.text(bo.pick(address, "state"), 3),
                "Zip_Code": bo.text(bo.pick(address, "zipcode"), 10),
                "Phone": re.sub(r"\D", "", str(bo.pick(rec, "phonePrimary", default="")))[:20],
                "Customer_Email": bo.text(bo.pick(rec, "email"), 60),
                "Contact_1": "",
                "Terms_Code": "N30",
                "Salesperson": "",
                "Status": "I" if status == "inactive" else "A",
                "Taxable_Flag": "N" if bo.pick(rec, "isTaxable") is False else "Y",
                "Credit_Limit": bo.money(bo.pick(rec, "creditLimit")),
                "Balance": facts.get("balance", zero),
                "Billed_YTD": facts.get("billed", zero),
                "Paid_YTD": facts.get("paid", zero),
                "Date_Last_Billed": facts.get("last_billed"),
            }
        )


# ---- jobs and phases (written last: JTD columns sum JC history) --------------------------------------


def _spectrum_jobs(run: Run) -> list[Job]:
    """One Job per Spectrum job: an umbrella's tickets share one (its first ticket stands for it)."""
    return [run.jobs_by_key[key] for key in sorted(run.jobs_by_key)]


def write_jobs(run: Run) -> None:
    for job in _spectrum_jobs(run):
        umbrella = job.buildops_id in run.umbrella_jobs
        run.tables["JC_JOB_MASTER_MC"].write(
            {
                "Company_Code": job.company,
                "Job_Number": job.number,
                "Job_Description": (f"{job.job_type} service" if umbrella else f"{job.job_type} {job.buildops_number}")[
                    :25
                ],
                "Division": job.trade[:3].upper(),
                "Address_1": "",
                "Address_2": "",
                "City": "",
                "State": "TX",
                "Zip_Code": "",
                "Phone": "",
                "Project_Manager": "PM1" if job.kind == "project" else "",
                "Superintendent": "",
                "Estimator": "",
                "Certified_Flag": "N",
                # An umbrella job serves many customers: each AR invoice on it names its own.
                "Customer_Code": "" if umbrella else job.customer_code,
                "Contract_Number": job.number.strip() if job.progress_billed else "",
                "Status_Code": job.status,
                "Job_Type": job.kind.upper()[:10],
                "Price_Method_Code": "F" if job.kind == "project" else "T",
                "Original_Contract": job.contract,
                "Taxable_Flag": "Y",
                "Cost_Center": job.company + job.trade[:3].upper(),
                "Est_Start_Date": job.start,
                "Est_Complete_Date": None if umbrella else job.end or job.planned_end,
                "Projected_Complete_Date": None if umbrella else job.end or job.planned_end,
                "Create_Date": job.start,
                "Start_Date": job.start,
                "Complete_Date": job.end if job.status == "C" and not umbrella else None,
                "WO_Site": "",
                "Latitude": None,
                "Longitude": None,
                "Comment": (
                    "umbrella service job (job_crosswalk.csv)" if umbrella else f"BuildOps job {job.buildops_number}"
                )[:60],
            }
        )


def _month_ends(start: dt.date, before: dt.date) -> list[dt.date]:
    """Every month end from `start`'s month up to, not including, `before`."""
    out, month = [], start.replace(day=1)
    while True:
        following = (month + dt.timedelta(days=32)).replace(day=1)
        end = following - dt.timedelta(days=1)
        if end >= before:
            return out
        out.append(end)
        month = following


def _monthly_cost(run: Run) -> dict[tuple[str, str, str, str], dict[dt.date, Decimal]]:
    """(company, job, phase, cost type) -> month start -> job cost posted in that month."""
    out: dict[tuple[str, str, str, str], dict[dt.date, Decimal]] = {}
    for (company, job, phase, cost_type, month, _), amount in run.phase_cost_by_month.items():
        months = out.setdefault((company, job, phase, cost_type), {})
        months[month] = months.get(month, Decimal(0)) + amount
    return out


def write_phases(run: Run) -> None:
    """The phase grid (original estimates), job progress, and projections: on projects the PM re-projects each
    phase at every month end (the estimate, or the cost so far once it passes it) so each close has the
    projection then in force; every phase with cost or budget gets one more as of the data's day."""
    zero = Decimal("0.00")
    monthly = _monthly_cost(run)
    sequence = 0
    for job in _spectrum_jobs(run):
        estimated = projected = cost = zero
        weights = {phase: w for phase, _, _, w in PROJECT_GRIDS[job.company]} if job.kind == "project" else {}
        per_phase_types: dict[str, int] = {}
        for phase, _ in job.grid:
            per_phase_types[phase] = per_phase_types.get(phase, 0) + 1
        for (phase, cost_type), description in job.grid.items():
            budget = zero
            if job.kind == "project":
                budget = (
                    job.contract * Decimal("0.82") * Decimal(str(weights[phase])) / per_phase_types[phase]
                ).quantize(bo.CENT)
            dollars, hours = run.jtd.get((job.company, job.number, phase, cost_type), (zero, zero))
            projection = max(budget, dollars.quantize(bo.CENT))
            estimated, projected, cost = estimated + budget, projected + projection, cost + dollars.quantize(bo.CENT)
            run.tables["JC_PHASE_MASTER_MC"].write(
                {
                    "Company_Code": job.company,
                    "Job_Number": job.number,
                    "Phase_Code": phase,
                    "Cost_Type": cost_type,
                    "Description": description[:25],
                    "Status_Code": job.status,
                    "Unit_of_Measure": "HRS" if cost_type in ("L", "L01") else "",
                    "Price_Method_Code": "F",
                    "Major_Group_Code": phase[:2],
                    "Minor_Group_Code": phase[2:4],
                    "Original_Est_Cost": budget,
                    "Original_Est_Hours": Decimal("0.0000"),
                    "Original_Est_Quantity": Decimal("0.0000"),
                    "Start_Date": job.start,
                    "End_Date": job.end,
                    "Complete_Date": job.end if job.status == "C" else None,
                    "Phase_Cost_Center": "",
                    "Comment": "",
                }
            )
            history: list[tuple[dt.date, Decimal]] = []
            if job.kind == "project":
                months, so_far = monthly.get((job.company, job.number.strip(), phase, cost_type), {}), Decimal(0)
                for month_end in _month_ends(job.start, run.as_of):
                    so_far += months.get(month_end.replace(day=1), Decimal(0))
                    amount = max(budget, so_far.quantize(bo.CENT))
                    if not amount:
                        continue
                    sequence += 1
                    history.append((month_end, amount))
                    run.tables["JC_PROJ_COST_HISTORY_MC"].write(
                        {
                            "Company_Code": job.company,
                            "Job": job.number,
                            "Phase": phase,
                            "Cost_Type": cost_type,
                            "Type": "",
                            "System_Key": f"PJ{sequence:010d}",
                            "Transaction_Date": month_end,
                            "Operator": "PM",
                            "Amount": amount,
                            "Variance": amount - budget,
                            "Projected_Quantity": Decimal("0.0000"),
                            "Projected_Hours": Decimal("0.0000"),
                            "Note": "Month-end projection",
                        }
                    )
            entered = bool(projection or hours)
            if entered:
                history.append((run.as_of, projection))
            run.phase_plans.setdefault((job.company, job.number.strip()), []).append((budget, history))
            run.phase_budgets[(job.company, job.number.strip(), phase.strip(), cost_type.strip())] = (budget, history)
            if entered:
                run.tables["JC_PROJ_COST_HISTORY_MC"].write(
                    {
                        "Company_Code": job.company,
                        "Job": job.number,
                        "Phase": phase,
                        "Cost_Type": cost_type,
                        "Type": "",
                        "System_Key": f"{job.company}{job.number.strip()}{phase}{cost_type}"[:24],
                        "Transaction_Date": run.as_of,
                        "Operator": "PM",
                        "Amount": projection,
                        "Variance": projection - budget,
                        "Projected_Quantity": Decimal("0.0000"),
                        "Projected_Hours": hours.quantize(Decimal("0.0001")),
                        "Note": "",
                    }
                )
        run.tables["JC_JOB_PROGRESS_MC"].write(
            {
                "Company_Code": job.company,
                "Job_Number": job.number,
                "Revised_Contract": run.revised_contracts.get((job.company, job.number), job.contract),
                "Cost_To_Date": cost,
                "Estimated_Cost": estimated,
                "Projected_Cost": projected,
            }
        )


# ---- vendors, employees, equipment, processing dates ------------------------------------------------


def vendors(run: Run) -> None:
    """Every BuildOps vendor exists in both companies' vendor files (one AP department serves both)."""
    for i, rec in enumerate(run.buildops.get("vendors", [])):
        if bo.is_deleted(rec):
            continue
        name = str(bo.pick(rec, "name", default=f"VENDOR {i}"))
        is_sub = "sub" in str(bo.pick(rec, "vendorType", "type", default="")).lower()
        number = bo.pick(rec, "vendorNumber")
        code = bo.key_code(number, 10) if number else f"V{10001 + i}"
        for company in COMPANIES:
            run.vendors[(company, rec["id"])] = Vendor(company, code, name[:30], is_sub, rec["id"])


def employees(run: Run) -> None:
    rng = run.rng("employees")
    for i, rec in enumerate(run.buildops.get("employees", [])):
        if bo.is_deleted(rec):
            continue
        depts = rec.get("departments") or []
        dept_id = bo.pick(depts[0], "id") if depts else None
        company, dept_name = run.departments.get(dept_id, ("MEC", ""))
        number = bo.pick(rec, "employeeNumber", default=str(1001 + i))
        rate = Decimal(rng.randrange(2400, 5200)) / 100
        run.employees[rec["id"]] = Employee(
            company, bo.key_code(number, 11), bo.text(bo.pick(rec, "name"), 30), rate, bo.key_code(dept_name, 10)
        )
        first = bo.text(bo.pick(rec, "firstName"), 20)
        last = bo.text(bo.pick(rec, "lastName"), 20)
        code = bo.key_code(number, 11)
        run.tables["PR_EMPLOYEE_MASTER_1_MC"].write(
            {
                "Company_Code": company,
                "Employee_Code": code,
                "Employee_Name": f"{last}, {first}"[:30],
                "First_Name": first,
                "Middle_Name": "",
                "Last_Name": last,
                "Employment_Status": "A" if bo.pick(rec, "isActive") is not False else "T",
                "Department_Code": bo.key_code(dept_name, 10),
                "Union_Code": "",
                "Wage_Class": "JOURN",
                "Worker_Comp_Code": "5183" if company == "MEC" else "5188",
                "Occupation": bo.text(bo.pick(rec, "userTitle"), 50),
                "Trade": "FITTER" if company == "FPR" else "MECH",
                "Title": bo.text(bo.pick(rec, "userTitle"), 50),
                "Supervisor_Code": "",
                "Hourly_Rate": rate.quantize(Decimal("0.0001")),
                # A percent, as the name says (34 = 34 %); unverified whether installs hold 34 or 0.34.
                "Burden_Percent": Decimal("34.0000") if company == "MEC" else Decimal("38.0000"),
                "Cost_Center": "",
            }
        )
        run.tables["PR_EMPLOYEE_MASTER_3_MC"].write(
            {"Company_Code": company, "Employee_Code": code, "Employee_Email": bo.text(bo.pick(rec, "email"), 80)}
        )


EQUIPMENT = (
    ("VAN", "Service Van", "Ford", "Transit 250"),
    ("TRK", "Pickup Truck", "Chevrolet", "Silverado 2500"),
    ("LIFT", "Scissor Lift", "Genie", "GS-1930"),
    ("WELD", "Welder", "Miller", "Bobcat 260"),
    ("THRD", "Pipe Threader", "Ridgid", "300"),
    ("RECV", "Refrigerant Recovery", "Yellow Jacket", "RecoverXLT"),
)


def equipment(run: Run) -> None:
    rng = run.rng("equipment")
    for company in COMPANIES:
        for i in range(14):
            kind, description, make, model = EQUIPMENT[i % len(EQUIPMENT)]
            run.tables["EC_EQUIPMENT_MASTER_MC"].write(
                {
                    "Company_Code": company,
                    "Equipment_Code": f"{kind}{i + 1:03d}",
                    "Equipment_Type": kind,
                    "Description": f"{description} #{i + 1}",
                    "Equipment_Status": "A" if i < 12 else "I",
                    "Year": str(rng.randint(2015, 2026)),
                    "Equipment_Make": make,
                    "Equipment_Model": model,
                    "Owned_Flag": "Y",
                    "License_Number": f"TX{rng.randint(100000, 999999)}" if kind in ("VAN", "TRK") else "",
                    "Serial_Number": f"SN{rng.getrandbits(32):08X}",
                    "Division_Code": "SVC",
                    "Cost_Center": "",
                    "Rate_Per_Hour": Decimal(rng.choice((12, 18, 25, 35, 45))).quantize(Decimal("0.0001")),
                }
            )


def processing_dates(run: Run) -> None:
    """The open accounting period Put services check dates against: the prior month to the next month."""
    first = run.as_of.replace(day=1)
    minimum = (first - dt.timedelta(days=1)).replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    maximum = (nxt + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    for company in COMPANIES:
        for module in ("CR", "VN", "JC", "GL", "PR"):
            run.tables["PA_PROCESSING_DATES_MC"].write(
                {
                    "Company_Code": company,
                    "Module": module,
                    "Minimum_Date": minimum,
                    "Current_Period_Date": run.as_of,
                    "Maximum_Date": maximum,
                }
            )
