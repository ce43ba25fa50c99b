"""The SOAP Get services: their parameter sequences, returned fields and the queries behind them.

Filter semantics (Trimble Help): `p`-prefixed parameters; blank = no filter; SuperSelect wildcards
(`*` any run, `?` one character) and comma lists; pStatus_Code blank = Active + Inactive (Complete only
when asked for); GetCustomers' pStatus blank = Active, I = Active + Inactive, ALL = everything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .soap import date_text, number
from .store import Store

FIELDS_5 = [f"Field_{i}" for i in range(1, 6)]
JOB_PARAMS = [
    "pCompany_Code",
    "pDivision",
    "pStatus_Code",
    "pProject_Manager",
    "pSuperintendent",
    "pEstimator",
    "pCustomer_Code",
    "pCost_Center",
    "pSort_By",
]
JOB_FILTERS = {
    "pDivision": "Division",
    "pProject_Manager": "Project_Manager",
    "pSuperintendent": "Superintendent",
    "pEstimator": "Estimator",
    "pCustomer_Code": "Customer_Code",
    "pCost_Center": "Cost_Center",
}
JOB_SORT = {
    "": "Job_Number",
    "D": "Division, Job_Number",
    "P": "Project_Manager, Job_Number",
    "S": "Superintendent, Job_Number",
    "E": "Estimator, Job_Number",
    "C": "Customer_Code, Job_Number",
}
PHASE_PARAMS = ["pCompany_Code", "pJob_Number", "pCost_Type", "pStatus_Code", "pCost_Center", "pSort_By"]
ERRORS = ["Error_Code", "Error_Description", "Error_Column"]


@dataclass(frozen=True)
class GetService:
    name: str
    params: list[str]
    fields: list[str]
    fetch: Callable[[Store, str, dict[str, str]], list[dict[str, str]]]


def conditions(filters: dict[str, str]) -> tuple[str, list]:
    """{column: pattern} -> SQL (trimmed, case-insensitive, wildcards and comma lists) and parameters."""
    sql, params = [], []
    for column, pattern in filters.items():
        pattern = (pattern or "").strip()
        if not pattern:
            continue
        ors = []
        for part in (p.strip().upper() for p in pattern.split(",") if p.strip()):
            if "*" in part or "?" in part:
                ors.append(f"UPPER(TRIM({column})) LIKE ?")
                params.append(part.replace("*", "%").replace("?", "_"))
            else:
                ors.append(f"UPPER(TRIM({column})) = ?")
                params.append(part)
        sql.append("(" + " OR ".join(ors) + ")")
    return (" AND " + " AND ".join(sql)) if sql else "", params


def _select(store: Store, p: dict[str, str], sql: str, params: list) -> list:
    """Run a Get query, fetching one row past the cap at most (the caller adds the W row)."""
    return store.query(f"{sql} LIMIT ?", [*params, int(p.get("_limit", -1))])


def status_filter(column: str, value: str) -> dict[str, str]:
    return {column: value or "A,I"}


def _jobs(store: Store, company: str, p: dict[str, str]):
    filters = {f"j.{col}": p.get(param, "") for param, col in JOB_FILTERS.items()}
    filters.update(status_filter("j.Status_Code", p.get("pStatus_Code", "")))
    where, params = conditions(filters)
    order = JOB_SORT.get(p.get("pSort_By", "").strip().upper(), "Job_Number")
    order = ", ".join(f"j.{column.strip()}" for column in order.split(","))
    return _select(
        store,
        p,
        f"SELECT j.*, c.Name AS Customer_Name FROM JC_JOB_MASTER_MC j LEFT JOIN CR_CUSTOMER_MASTER_MC c "
        f"ON c.Company_Code = j.Company_Code AND c.Customer_Code = j.Customer_Code "
        f"WHERE j.Company_Code = ?{where} ORDER BY {order}",
        [company, *params],
    )


def get_job(store, company, p):
    return [
        {
            "Company_Code": r["Company_Code"],
            "Job_Number": r["Job_Number"].strip(),
            "Job_Description": r["Job_Description"],
            "Division": r["Division"],
            "Address_1": r["Address_1"],
            "Address_2": r["Address_2"],
            "City": r["City"],
            "State": r["State"],
            "Zip_Code": r["Zip_Code"],
            "Project_Manager": r["Project_Manager"],
            "Superintendent": r["Superintendent"],
            "Estimator": r["Estimator"],
            "Certified_Flag": r["Certified_Flag"],
            "Customer_Code": r["Customer_Code"],
            "Status_Code": r["Status_Code"],
            "Work_State_Tax_Code": "TX",
            "Contract_Number": r["Contract_Number"],
            "Cost_Center": r["Cost_Center"],
        }
        for r in _jobs(store, company, p)
    ]


def get_job_main(store, company, p):
    return [
        {
            "Company_Code": r["Company_Code"],
            "Job_Number": r["Job_Number"].strip(),
            "Job_Description": r["Job_Description"],
            "Division": r["Division"],
            "Address_1": r["Address_1"],
            "Address_2": r["Address_2"],
            "City": r["City"],
            "State": r["State"],
            "Zip_Code": r["Zip_Code"],
            "Phone": r["Phone"],
            "Fax_Phone": "",
            "Job_Site_Phone": "",
            "Customer_Code": r["Customer_Code"],
            "Customer_Name": r["Customer_Name"] or "",
            "Original_Contract": number(r["Original_Contract"]),
            "Contract_Number": r["Contract_Number"],
            "Owner_Name": "",
            "WO_Site": r["WO_Site"],
            "Comment": r["Comment"],
            "Price_Method_Code": r["Price_Method_Code"],
            "Total_Units": ".00",
            "Unit_of_Measure": "",
            "Status_Code": r["Status_Code"],
            "Latitude": number(r["Latitude"], 6) if r["Latitude"] is not None else "",
            "Longitude": number(r["Longitude"], 6) if r["Longitude"] is not None else "",
            "Legal_Desc": "",
            "Cost_Center": r["Cost_Center"],
            **dict.fromkeys(FIELDS_5, ""),
        }
        for r in _jobs(store, company, p)
    ]


def get_job_dates(store, company, p):
    return [
        {
            "Company_Code": r["Company_Code"],
            "Job_Number": r["Job_Number"].strip(),
            "Job_Description": r["Job_Description"],
            "Est_Start_Date": date_text(r["Est_Start_Date"]),
            "Est_Complete_Date": date_text(r["Est_Complete_Date"]),
            "Projected_Complete_Date": date_text(r["Projected_Complete_Date"]),
            "Create_Date": date_text(r["Create_Date"]),
            "Start_Date": date_text(r["Start_Date"]),
            "Complete_Date": date_text(r["Complete_Date"]),
            **dict.fromkeys(FIELDS_5, ""),
        }
        for r in _jobs(store, company, p)
    ]


def _phases(store, company, p):
    filters = {
        "Job_Number": p.get("pJob_Number", ""),
        "Cost_Type": p.get("pCost_Type", ""),
        "Phase_Cost_Center": p.get("pCost_Center", ""),
    }
    filters.update(status_filter("Status_Code", p.get("pStatus_Code", "")))
    where, params = conditions(filters)
    order = (
        "Cost_Type, Job_Number, Phase_Code"
        if p.get("pSort_By", "").strip().upper() == "C"
        else "Job_Number, Phase_Code, Cost_Type"
    )
    # The service's job-to-date and projected figures are sums over history and the latest projection:
    # the phase table holds original estimates only.
    return _select(
        store,
        p,
        f"SELECT p.*, {PHASE_FIGURES} FROM JC_PHASE_MASTER_MC AS p WHERE p.Company_Code = ?{where} ORDER BY {order}",
        [company, *params],
    )


_SAME_PHASE = (
    "h.Company_Code = p.Company_Code AND h.Job_Number = p.Job_Number AND h.Phase_Code = p.Phase_Code"
    " AND h.Cost_Type = p.Cost_Type"
)
_SAME_PROJECTION = (
    "j.Company_Code = p.Company_Code AND j.Job = p.Job_Number AND j.Phase = p.Phase_Code AND j.Cost_Type = p.Cost_Type"
)
PHASE_FIGURES = ", ".join(
    [
        *(
            f"(SELECT COALESCE(SUM(h.{col}), 0) FROM JC_TRANSACTION_HISTORY_MC AS h WHERE {_SAME_PHASE}) AS {alias}"
            for col, alias in (
                ("Tran_Amount", "JTD_Actual_Dollars"),
                ("Total_Hours", "JTD_Hours"),
                ("Quantity", "JTD_Quantity"),
            )
        ),
        *(
            f"(SELECT j.{col} FROM JC_PROJ_COST_HISTORY_MC AS j WHERE {_SAME_PROJECTION}"
            f" ORDER BY j.Transaction_Date DESC LIMIT 1) AS {alias}"
            for col, alias in (
                ("Amount", "Projected_Cost"),
                ("Projected_Hours", "Projected_Hours"),
                ("Projected_Quantity", "Projected_Quantity"),
            )
        ),
    ]
)


def _phase_row(r, estimate_field: str) -> dict[str, str]:
    return {
        "Company_Code": r["Company_Code"],
        "Job_Number": r["Job_Number"].strip(),
        "Phase_Code": r["Phase_Code"],
        "Cost_Type": r["Cost_Type"],
        "Description": r["Description"],
        "Status_Code": r["Status_Code"],
        "Unit_of_Measure": r["Unit_of_Measure"],
        "JTD_Quantity": number(r["JTD_Quantity"]),
        "JTD_Hours": number(r["JTD_Hours"]),
        "JTD_Actual_Dollars": number(r["JTD_Actual_Dollars"]),
        "Projected_Quantity": number(r["Projected_Quantity"]),
        "Projected_Hours": number(r["Projected_Hours"]),
        "Projected_Dollars": number(r["Projected_Cost"]),
        # The twin keeps no estimate changes or change requests: the current estimate is the original.
        "Estimated_Quantity": number(r["Original_Est_Quantity"]),
        "Estimated_Hours": number(r["Original_Est_Hours"]),
        estimate_field: number(r["Original_Est_Cost"]),
        "Cost_Center": r["Phase_Cost_Center"],
    }


def get_phase(store, company, p):
    return [_phase_row(r, "Current_Estimated_Dollars") for r in _phases(store, company, p)]


def get_phase_enhanced(store, company, p):
    # The live field name is Current_Estimate_Dollars here (captured response), not ...Estimated...
    return [
        {
            **_phase_row(r, "Current_Estimate_Dollars"),
            "Price_Method_Code": r["Price_Method_Code"],
            "Complete_Date": date_text(r["Complete_Date"]),
            "Start_Date": date_text(r["Start_Date"]),
            "End_Date": date_text(r["End_Date"]),
            "Comment": r["Comment"],
        }
        for r in _phases(store, company, p)
    ]


CUSTOMER_STATUS = {"": "A", "I": "A,I", "ALL": ""}
STATUS_WORDS = {"A": "Active", "I": "Inactive", "N": "Not Used"}


def get_customers(store, company, p):
    wanted = CUSTOMER_STATUS.get(p.get("pStatus", "").strip().upper(), p.get("pStatus", ""))
    where, params = conditions({"Status": wanted})
    rows = _select(
        store,
        p,
        f"SELECT * FROM CR_CUSTOMER_MASTER_MC WHERE Company_Code = ?{where} ORDER BY Customer_Code",
        [company, *params],
    )
    return [
        {
            "Company_Code": r["Company_Code"],
            "Customer_Code": r["Customer_Code"],
            "Name": r["Name"],
            "Address_1": r["Address_1"],
            "Address_2": r["Address_2"],
            "City": r["City"],
            "State": r["State"],
            "Zip_Code": r["Zip_Code"],
            # The primary contact's name lives in a contacts table the twin does not keep.
            "First_Name": "",
            "Last_Name": "",
            "Phone_Number": r["Phone"],
            "Email1": r["Customer_Email"],
            "Price_Level_Material": "",
            "Taxable_Flag": r["Taxable_Flag"],
            "Status": STATUS_WORDS.get(r["Status"], r["Status"]),
        }
        for r in rows
    ]


def get_employee(store, company, p):
    where, params = conditions(
        {
            "Employee_Code": p.get("pEmployee_Code", ""),
            "Employment_Status": p.get("pEmployment_Status", ""),
            "Department_Code": p.get("pDepartment_Code", ""),
            "Cost_Center": p.get("pCost_Center", ""),
        }
    )
    rows = _select(
        store,
        p,
        f"SELECT * FROM PR_EMPLOYEE_MASTER_1_MC WHERE Company_Code = ?{where} ORDER BY Employee_Code",
        [company, *params],
    )
    return [
        {
            "Company_Code": r["Company_Code"],
            "Employee_Code": r["Employee_Code"],
            "Employee_Name": r["Employee_Name"],
            "Supervisor_Code": r["Supervisor_Code"],
            "Employment_Status": r["Employment_Status"],
            "Department_Code": r["Department_Code"],
            "Union_Code": r["Union_Code"],
            "Wage_Class": r["Wage_Class"],
            "Worker_Comp_Code": r["Worker_Comp_Code"],
            "First_Name": r["First_Name"],
            "Middle_Name": r["Middle_Name"],
            "Last_Name": r["Last_Name"],
            "Occupation": r["Occupation"],
            "Trade": r["Trade"],
            "Title": r["Title"],
            # The service's own fields; the table holds only ids into a contacts table the twin does not keep.
            "Employee_Mobile_Phone": "",
            "Employee_Extension": "",
            "Cost_Center": r["Cost_Center"],
        }
        for r in rows
    ]


def get_equipment(store, company, p):
    filters = {
        "Equipment_Type": p.get("pEquipment_Type", ""),
        "Equipment_Make": p.get("pEquipment_Make", ""),
        "Equipment_Model": p.get("pEquipment_Model", ""),
        "Year": p.get("pYear", ""),
        "Cost_Center": p.get("pCost_Center", ""),
    }
    filters.update(status_filter("Equipment_Status", p.get("pStatus_Code", "")))
    where, params = conditions(filters)
    order = "Equipment_Type, Equipment_Code" if p.get("pSort_By", "").strip().upper() == "T" else "Equipment_Code"
    rows = _select(
        store,
        p,
        f"SELECT * FROM EC_EQUIPMENT_MASTER_MC WHERE Company_Code = ?{where} ORDER BY {order}",
        [company, *params],
    )
    return [
        {
            "Company_Code": r["Company_Code"],
            "Equipment_Code": r["Equipment_Code"],
            "Equipment_Type": r["Equipment_Type"],
            "Description": r["Description"],
            "Equipment_Status": r["Equipment_Status"],
            "Year": r["Year"],
            "Equipment_Make": r["Equipment_Make"],
            "Equipment_Model": r["Equipment_Model"],
            "Owned_Flag": r["Owned_Flag"],
            "License_Number": r["License_Number"],
            "Serial_Number": r["Serial_Number"],
            "Division_Code": r["Division_Code"],
            "Cost_Center": r["Cost_Center"],
        }
        for r in rows
    ]


JOB_FIELDS = [
    "Company_Code",
    "Job_Number",
    "Job_Description",
    "Division",
    "Address_1",
    "Address_2",
    "City",
    "State",
    "Zip_Code",
    "Project_Manager",
    "Superintendent",
    "Estimator",
    "Certified_Flag",
    "Customer_Code",
    "Status_Code",
    "Work_State_Tax_Code",
    "Contract_Number",
    "Cost_Center",
]
JOB_MAIN_FIELDS = [
    "Company_Code",
    "Job_Number",
    "Job_Description",
    "Division",
    "Address_1",
    "Address_2",
    "City",
    "State",
    "Zip_Code",
    "Phone",
    "Fax_Phone",
    "Job_Site_Phone",
    "Customer_Code",
    "Customer_Name",
    "Original_Contract",
    "Contract_Number",
    "Owner_Name",
    "WO_Site",
    "Comment",
    "Price_Method_Code",
    "Total_Units",
    "Unit_of_Measure",
    "Status_Code",
    "Latitude",
    "Longitude",
    "Legal_Desc",
    "Cost_Center",
    *FIELDS_5,
]
JOB_DATES_FIELDS = [
    "Company_Code",
    "Job_Number",
    "Job_Description",
    "Est_Start_Date",
    "Est_Complete_Date",
    "Projected_Complete_Date",
    "Create_Date",
    "Start_Date",
    "Complete_Date",
    *FIELDS_5,
]
PHASE_FIELDS = [
    "Company_Code",
    "Job_Number",
    "Phase_Code",
    "Cost_Type",
    "Description",
    "Status_Code",
    "Unit_of_Measure",
    "JTD_Quantity",
    "JTD_Hours",
    "JTD_Actual_Dollars",
    "Projected_Quantity",
    "Projected_Hours",
    "Projected_Dollars",
    "Estimated_Quantity",
    "Estimated_Hours",
    "Current_Estimated_Dollars",
    "Cost_Center",
]
PHASE_ENH_FIELDS = [f if f != "Current_Estimated_Dollars" else "Current_Estimate_Dollars" for f in PHASE_FIELDS] + [
    "Price_Method_Code",
    "Complete_Date",
    "Start_Date",
    "End_Date",
    "Comment",
]
CUSTOMER_FIELDS = [
    "Company_Code",
    "Customer_Code",
    "Name",
    "Address_1",
    "Address_2",
    "City",
    "State",
    "Zip_Code",
    "First_Name",
    "Last_Name",
    "Phone_Number",
    "Email1",
    "Price_Level_Material",
    "Taxable_Flag",
    "Status",
]
EMPLOYEE_FIELDS = [
    "Company_Code",
    "Employee_Code",
    "Employee_Name",
    "Supervisor_Code",
    "Employment_Status",
    "Department_Code",
    "Union_Code",
    "Wage_Class",
    "Worker_Comp_Code",
    "First_Name",
    "Middle_Name",
    "Last_Name",
    "Occupation",
    "Trade",
    "Title",
    "Employee_Mobile_Phone",
    "Employee_Extension",
    "Cost_Center",
]
EQUIPMENT_FIELDS = [
    "Company_Code",
    "Equipment_Code",
    "Equipment_Type",
    "Description",
    "Equipment_Status",
    "Year",
    "Equipment_Make",
    "Equipment_Model",
    "Owned_Flag",
    "License_Number",
    "Serial_Number",
    "Division_Code",
    "Cost_Center",
]

GET_SERVICES: dict[str, GetService] = {
    s.name: s
    for s in (
        GetService("GetJob", JOB_PARAMS, JOB_FIELDS + ERRORS, get_job),
        GetService("GetJobMain", JOB_PARAMS, JOB_MAIN_FIELDS + ERRORS, get_job_main),
        GetService("GetJobDates", JOB_PARAMS, JOB_DATES_FIELDS + ERRORS, get_job_dates),
        GetService("GetPhase", PHASE_PARAMS, PHASE_FIELDS + ERRORS, get_phase),
        GetService("GetPhaseEnhanced", PHASE_PARAMS, PHASE_ENH_FIELDS + ERRORS, get_phase_enhanced),
        GetService("GetCustomers", ["pCompany_Code", "pStatus"], CUSTOMER_FIELDS + ERRORS, get_customers),
        GetService(
            "GetEmployee",
            ["pCompany_Code", "pEmployee_Code", "pEmployment_Status", "pDepartment_Code", "pCost_Center"],
            EMPLOYEE_FIELDS + ERRORS,
            get_employee,
        ),
        GetService(
            "GetEquipment",
            [
                "pCompany_Code",
                "pEquipment_Type",
                "pEquipment_Make",
                "pEquipment_Model",
                "pYear",
                "pStatus_Code",
                "pCost_Center",
                "pSort_By",
            ],
            EQUIPMENT_FIELDS + ERRORS,
            get_equipment,
        ),
    )
}
