"""Built-in parameter sequences of the Data Exchange services this client calls.

Used when the install's WSDL (`/wsdls/<Service>.jws`) cannot be read; when it can, the WSDL's sequence wins,
because the order is what Spectrum checks and sites differ. Sources: Trimble Help service pages and captured
WSDLs (see ../shared/reference/spectrum.md); sequences marked [I] are inferred.
"""

from __future__ import annotations

_JOB_FILTERS = (
    "pCompany_Code",
    "pDivision",
    "pStatus_Code",
    "pProject_Manager",
    "pSuperintendent",
    "pEstimator",
    "pCustomer_Code",
    "pCost_Center",
    "pSort_By",
)
_PHASE_FILTERS = ("pCompany_Code", "pJob_Number", "pCost_Type", "pStatus_Code", "pCost_Center", "pSort_By")

GET_SERVICES: dict[str, tuple[str, ...]] = {
    "GetJob": _JOB_FILTERS,
    "GetJobMain": _JOB_FILTERS,
    "GetJobDates": _JOB_FILTERS,
    "GetJobUDF": _JOB_FILTERS[:-1],
    "GetPhase": _PHASE_FILTERS,
    "GetPhaseEnhanced": _PHASE_FILTERS,
    "GetCustomers": ("pCompany_Code", "pStatus"),
    # [I] GetEmployee's public page lists "company + filters" only; this is the sandbox twin's guess too.
    "GetEmployee": ("pCompany_Code", "pEmployee_Code", "pEmployment_Status", "pDepartment_Code", "pCost_Center"),
    "GetEquipment": (
        "pCompany_Code",
        "pEquipment_Type",
        "pEquipment_Make",
        "pEquipment_Model",
        "pYear",
        "pStatus_Code",
        "pCost_Center",
        "pSort_By",
    ),
}

PUT_SERVICES: dict[str, tuple[str, ...]] = {
    "AddARInvoice": (
        "Company_Code",
        "GL_Date",
        "Batch_Code",
        "Customer_Code",
        "Job_Number",
        "Invoice_Or_Transaction",
        "Transaction_Type",
        "Invoice_Date",
        "Terms_Code",
        "Salesperson_Code",
        "Sales_Tax_Code",
        "Taxable_Flag",
        "Retention_Percent",
        "Print_Job_Address_Flag",
        "Remarks",
        "Customer_PO",
        "AR_GL_Account",
        "Detail_Description",
        "Line_Extension",
        "GL_Account",
        "Sales_Tax_Amount",
        "Retention_Amount",
        "VAT_Code",
        "Total_VAT_Amount",
        "Asset_Cost_Center",
        "Income_Cost_Center",
    ),
    "AddAPInvoice": (
        "Company_Code",
        "GL_Date",
        "Batch_Code",
        "Vendor_Code",
        "Contract_Number",
        "Invoice_Number",
        "Invoice_Type_Code",
        "Invoice_Date",
        "Invoice_Amount",
        "Sales_Tax_Amount",
        "Retention_Amount",
        "Payment_Due_Date",
        "Status",
        "Discount_Due_Date",
        "Discount_Amount",
        "Remarks",
        "AP_GL_Account",
        "Distribution_GL_Account",
        "Job_Number",
        "Phase_Code",
        "Cost_Type",
        "Equipment_Code",
        "Equipment_Category",
        "Equipment_Work_Order",
        "WO_Number",
        "Item_Code",
        "Quantity",
        "PO_Number",
        "Tax_Code",
        "VAT_Code",
        "Total_VAT_Amt",
    ),
    "AddJCTrans": (
        "Company_Code",
        "Tran_Date",
        "Batch_Code",
        "Reference_1",
        "Description",
        "Job_Number",
        "Phase_Code",
        "Cost_Type",
        "Total_Hours",
        "Tran_Amount",
        "GL_Debit_Account",
        "GL_Credit_Account",
        "Cost_Center_Credit",
    ),
}

# REST services (JSON) and the body key each one wraps its list in.
REST_PUT_SERVICES: dict[str, str] = {
    "/customer/invoice": "arInvoices",
    "/vendor/invoice": "APInvoices",
    "/vendorInvoice/updateAPInvoiceHoldFlag": "aPInvoiceHoldFlagImports",
}
