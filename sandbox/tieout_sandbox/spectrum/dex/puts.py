"""Put services: validate like Spectrum, then write into the unposted entry batches (the twin's tables
CR_INVOICE_ENTRY_*, VN_INVOICE_ENTRY_*, JC_TRANSACTION_ENTRY_MC), which SQL reads afterwards.

Every submitted record gets an Error_Code/Error_Description/Error_Column triple: single spaces when it
was accepted, `E` plus the first problem found otherwise.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from .store import Store
from .validate import PutError, Record

OK = {"Error_Code": " ", "Error_Description": " ", "Error_Column": " "}


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")


def error(exc: PutError) -> dict[str, str]:
    return {"Error_Code": "E", "Error_Description": exc.description[:250], "Error_Column": exc.column}


# ---- AR -----------------------------------------------------------------------------------------------


def ar_header(rec: Record, source: str) -> dict:
    company = rec.company()
    customer = rec.customer(company)
    number = rec.key("Invoice_Or_Transaction", 10)
    tran_type = rec.flag("Transaction_Type", ("I", "C"), "I")
    invoice_date = rec.date("Invoice_Date")
    gl_date = rec.date("GL_Date", required=False) or invoice_date
    retention_percent = rec.amount("Retention_Percent", max_len=6)
    if not Decimal(0) <= retention_percent <= Decimal(100):
        raise PutError("Retention_Percent", f"Retention_Percent {retention_percent} must be between 0 and 100")
    job = rec.job(company)
    rec.open_period(company, "CR", "GL_Date" if rec.raw("GL_Date") else "Invoice_Date", gl_date)
    return {
        "Company_Code": company,
        "Batch_Code": rec.key("Batch_Code", 10, required=False) or f"WS{gl_date:%m%d}",
        "Customer_Code": customer,
        "Job_Number": job,
        "Invoice_Or_Transaction": number,
        "Transaction_Type": tran_type,
        "Invoice_Date": invoice_date.isoformat(),
        "GL_Date": gl_date.isoformat(),
        "Terms_Code": rec.key("Terms_Code", 3, required=False),
        "Sales_Tax_Code": rec.key("Sales_Tax_Code", 10, required=False),
        "Retention_Percent": str(retention_percent),
        "Retention_Amount": "0.00",
        "Invoice_Extension": "0.00",
        "Sales_Tax_Amount": "0.00",
        "Customer_PO": rec.text("Customer_PO", 20),
        "Remarks": rec.text("Remarks", 65),
        "AR_GL_Account": rec.text("AR_GL_Account", 20),
        "Operator": rec.auth["operator"],
        "Source_Service": source,
        "GUID": rec.text("GUID", 36),
        "Entered_At": _now(),
    }


def ar_line(rec: Record, header: dict) -> dict:
    extension = rec.amount("Line_Extension", required=True)
    if header["Transaction_Type"] == "I" and extension < 0:
        raise PutError(
            "Line_Extension",
            "Line_Extension must be positive on an invoice; send a credit memo "
            "(Transaction_Type C) for a negative amount",
        )
    retention = rec.amount("Retention_Amount")
    if abs(retention) > abs(extension):
        raise PutError("Retention_Amount", f"Retention_Amount {retention} is larger than Line_Extension {extension}")
    tax = rec.amount("Sales_Tax_Amount")
    phase, cost_type = rec.phase(header["Company_Code"], header["Job_Number"], required=False)
    return {
        "Company_Code": header["Company_Code"],
        "Customer_Code": header["Customer_Code"],
        "Invoice_Or_Transaction": header["Invoice_Or_Transaction"],
        "Sequence": 0,
        "Detail_Description": rec.text("Detail_Description", 30),
        "Line_Extension": str(extension),
        "Retention_Amount": str(retention),
        "Sales_Tax_Amount": str(tax),
        "GL_Account": rec.text("GL_Account", 20),
        "Phase_Code": phase,
        "Cost_Type": cost_type,
    }


def _ar_existing(store: Store, header: dict) -> tuple[bool, int]:
    """-> (entry header exists for this customer, lines already there); raises on a true duplicate."""
    company, number = header["Company_Code"], header["Invoice_Or_Transaction"]
    if store.one(
        "SELECT 1 FROM CR_INVOICE_HEADER_MC WHERE Company_Code = ? AND Invoice_Or_Transaction = ?", (company, number)
    ):
        raise PutError(
            "Invoice_Or_Transaction",
            f"Invoice_Or_Transaction '{number}' already exists for company {company}; invoice numbers must be unique",
        )
    row = store.one(
        "SELECT Customer_Code FROM CR_INVOICE_ENTRY_HEADER_MC WHERE Company_Code = ? AND Invoice_Or_Transaction = ?",
        (company, number),
    )
    if row is None:
        return False, 0
    if row[0] != header["Customer_Code"]:
        raise PutError(
            "Invoice_Or_Transaction",
            f"Invoice_Or_Transaction '{number}' is already in invoice entry "
            f"for customer {row[0]}; use a new invoice number",
        )
    count = store.one(
        "SELECT COUNT(*) FROM CR_INVOICE_ENTRY_DETAIL_MC WHERE Company_Code = ? AND Invoice_Or_Transaction = ?",
        (company, number),
    )[0]
    return True, count


def add_ar_invoice(store: Store, fields: dict, auth: dict) -> dict[str, str]:
    """SOAP AddARInvoice: one detail line per record; records sharing an invoice number build one invoice."""
    rec = Record(store, fields, auth)
    try:
        header = ar_header(rec, "AddARInvoice")
        line = ar_line(rec, header)
        exists, lines = _ar_existing(store, header)
    except PutError as exc:
        return error(exc)
    line["Sequence"] = lines + 1
    _write_ar(store, header, [line], exists)
    return dict(OK)


def _write_ar(store: Store, header: dict, lines: list[dict], exists: bool) -> None:
    statements = [("CR_INVOICE_ENTRY_DETAIL_MC", line) for line in lines]
    extension = sum(Decimal(line["Line_Extension"]) for line in lines)
    retention = sum(Decimal(line["Retention_Amount"]) for line in lines)
    tax = sum(Decimal(line["Sales_Tax_Amount"]) for line in lines)
    if not exists:
        header = {
            **header,
            "Invoice_Extension": str(extension),
            "Retention_Amount": str(retention),
            "Sales_Tax_Amount": str(tax),
        }
        statements.insert(0, ("CR_INVOICE_ENTRY_HEADER_MC", header))
        store.insert_many(statements)
        return
    store.insert_many(statements)
    store.update(
        "UPDATE CR_INVOICE_ENTRY_HEADER_MC SET Invoice_Extension = Invoice_Extension + ?, "
        "Retention_Amount = Retention_Amount + ?, Sales_Tax_Amount = Sales_Tax_Amount + ? "
        "WHERE Company_Code = ? AND Invoice_Or_Transaction = ?",
        [str(extension), str(retention), str(tax), header["Company_Code"], header["Invoice_Or_Transaction"]],
    )


def customer_invoices(store: Store, body: dict, auth: dict) -> dict:
    """REST /customer/invoice: each invoice with all its lines, or rejected whole."""
    results = []
    for invoice in body.get("arInvoices") or []:
        rec = Record(store, invoice, auth)
        details = invoice.get("invoiceDetails") or []
        detail_results = []
        try:
            header = ar_header(rec, "customer/invoice")
            if not details:
                raise PutError("invoiceDetails", "invoiceDetails is required: send at least one line")
            exists, _ = _ar_existing(store, header)
            if exists:
                raise PutError(
                    "Invoice_Or_Transaction",
                    f"Invoice_Or_Transaction '{header['Invoice_Or_Transaction']}'"
                    " is already in invoice entry; use a new invoice number",
                )
            lines, first_error = [], None
            for i, detail in enumerate(details, start=1):
                try:
                    line = ar_line(Record(store, {**invoice, **detail}, auth), header)
                    line["Sequence"] = i
                    lines.append(line)
                    detail_results.append({"Sequence": i, **OK})
                except PutError as exc:
                    detail_results.append({"Sequence": i, **error(exc)})
                    first_error = first_error or exc
            if first_error:
                raise PutError(first_error.column, f"Invoice rejected: line error: {first_error.description}")
            _write_ar(store, header, lines, exists=False)
            outcome = dict(OK)
        except PutError as exc:
            outcome = error(exc)
        results.append(
            {
                "Company_Code": rec.raw("Company_Code") or auth["companies"][0],
                "Customer_Code": rec.raw("Customer_Code"),
                "Invoice_Or_Transaction": rec.raw("Invoice_Or_Transaction"),
                **outcome,
                "invoiceDetails": detail_results,
            }
        )
    return {"arInvoices": results}


# ---- AP -----------------------------------------------------------------------------------------------


def ap_header(rec: Record, source: str) -> dict:
    company = rec.company()
    vendor = rec.vendor(company)
    number = rec.key("Invoice_Number", 20)
    invoice_type = rec.flag("Invoice_Type_Code", ("I", "C"), "I")
    invoice_date = rec.date("Invoice_Date")
    gl_date = rec.date("GL_Date", required=False) or invoice_date
    amount = rec.amount("Invoice_Amount", required=True)
    retention = rec.amount("Retention_Amount")
    status = rec.flag("Status", ("H", "O"), "O")
    payment_status = rec.flag("Payment_Status", ("U", "M", "C"), "U")
    if retention != 0 and payment_status != "U":
        raise PutError("Payment_Status", "Payment_Status must be U (unpaid) when Retention_Amount is not zero")
    if rec.raw("PO_Number"):
        raise PutError("PO_Number", "PO_Number must be left blank on vendor invoice import")
    contract = rec.key("Contract_Number", 20, required=False)
    if contract and not rec.store.one(
        "SELECT 1 FROM VN_SUBCONTRACT_MC WHERE Company_Code = ? AND Vendor_Code = ? AND Subcontract_Number = ?",
        (company, vendor, contract),
    ):
        raise PutError("Contract_Number", f"Contract_Number '{contract}' is not a subcontract of vendor {vendor}")
    rec.open_period(company, "VN", "GL_Date" if rec.raw("GL_Date") else "Invoice_Date", gl_date)
    for table in ("VN_GL_DISTRIBUTION_HEADER_MC", "VN_INVOICE_ENTRY_HEADER_MC"):
        if rec.store.one(
            f"SELECT 1 FROM {table} WHERE Company_Code = ? AND Vendor_Code = ? AND Invoice_Number = ?",
            (company, vendor, number),
        ):
            raise PutError(
                "Invoice_Number",
                f"Invoice_Number '{number}' already exists for vendor {vendor} in "
                f"company {company}; vendor invoice numbers must be unique per vendor",
            )
    due = rec.date("Payment_Due_Date", required=False) or invoice_date + dt.timedelta(days=30)
    return {
        "Company_Code": company,
        "Batch_Code": rec.key("Batch_Code", 10, required=False) or f"WS{gl_date:%m%d}",
        "Vendor_Code": vendor,
        "Invoice_Number": number,
        "Invoice_Type_Code": invoice_type,
        "Invoice_Date": invoice_date.isoformat(),
        "GL_Date": gl_date.isoformat(),
        "Payment_Due_Date": due.isoformat(),
        "Invoice_Amount": str(amount),
        "Sales_Tax_Amount": str(rec.amount("Sales_Tax_Amount")),
        "Retention_Amount": str(retention),
        "Status": status,
        "Payment_Status": payment_status,
        "Contract_Number": contract,
        "Remarks": rec.text("Remarks", 30),
        "AP_GL_Account": rec.text("AP_GL_Account", 20),
        "Document_ID": "",
        "Operator": rec.auth["operator"],
        "Source_Service": source,
        "GUID": rec.text("GUID", 36),
        "Entered_At": _now(),
    }


def ap_line(rec: Record, header: dict, amount_field: str) -> dict:
    company = header["Company_Code"]
    job = rec.job(company)
    phase, cost_type = rec.phase(company, job, required=bool(job))
    if not rec.raw("Distribution_GL_Account") and not job:
        raise PutError("Distribution_GL_Account", "Distribution_GL_Account is required when no Job_Number is given")
    return {
        "Company_Code": company,
        "Vendor_Code": header["Vendor_Code"],
        "Invoice_Number": header["Invoice_Number"],
        "Sequence": 0,
        "Distribution_GL_Account": rec.text("Distribution_GL_Account", 20),
        "Job_Number": job,
        "Phase_Code": phase,
        "Cost_Type": cost_type,
        "Amount": str(rec.amount(amount_field, required=True)),
        "Retention_Amount": str(rec.amount("Retention_Amount")),
        "Remarks": rec.text("Remarks", 30),
    }


def add_ap_invoice(store: Store, fields: dict, auth: dict) -> dict[str, str]:
    """SOAP AddAPInvoice: one invoice with one distribution (Invoice_Amount) per record."""
    rec = Record(store, fields, auth)
    try:
        header = ap_header(rec, "AddAPInvoice")
        line = ap_line(rec, header, "Distribution_Amount" if rec.raw("Distribution_Amount") else "Invoice_Amount")
    except PutError as exc:
        return error(exc)
    line["Sequence"] = 1
    store.insert_many([("VN_INVOICE_ENTRY_HEADER_MC", header), ("VN_INVOICE_ENTRY_DETAIL_MC", line)])
    return dict(OK)


def vendor_invoices(store: Store, body: dict, auth: dict) -> dict:
    """REST /vendor/invoice: a bad invoice is rejected entirely; the valid ones in the batch are imported."""
    results = []
    for invoice in body.get("APInvoices") or []:
        rec = Record(store, invoice, auth)
        details = invoice.get("APInvoiceDetails") or []
        detail_results, document_id = [], ""
        try:
            header = ap_header(rec, "vendor/invoice")
            if not details:
                raise PutError("APInvoiceDetails", "APInvoiceDetails is required: send at least one distribution")
            lines, first_error = [], None
            for i, detail in enumerate(details, start=1):
                try:
                    line = ap_line(
                        Record(store, {"Company_Code": header["Company_Code"], **detail}, auth), header, "Amount"
                    )
                    line["Sequence"] = i
                    lines.append(line)
                    detail_results.append({"Sequence": i, **OK})
                except PutError as exc:
                    detail_results.append({"Sequence": i, **error(exc)})
                    first_error = first_error or exc
            if first_error:
                raise PutError(first_error.column, f"Invoice rejected: distribution error: {first_error.description}")
            total = sum(Decimal(line["Amount"]) for line in lines)
            if total != Decimal(header["Invoice_Amount"]):
                raise PutError(
                    "Invoice_Amount",
                    f"APInvoiceDetails amounts add up to {total}, not Invoice_Amount "
                    f"{header['Invoice_Amount']}; make the distributions equal the invoice",
                )
            if invoice.get("Images"):
                document_id = str(uuid.uuid4())
                header["Document_ID"] = document_id
            store.insert_many(
                [("VN_INVOICE_ENTRY_HEADER_MC", header)] + [("VN_INVOICE_ENTRY_DETAIL_MC", line) for line in lines]
            )
            outcome = dict(OK)
        except PutError as exc:
            outcome = error(exc)
        results.append(
            {
                "Company_Code": rec.raw("Company_Code") or auth["companies"][0],
                "Vendor_Code": rec.raw("Vendor_Code"),
                "Invoice_Number": rec.raw("Invoice_Number"),
                "Document_ID": document_id,
                **outcome,
                "APInvoiceDetails": detail_results,
            }
        )
    return {"APInvoices": results}


def update_hold_flags(store: Store, body: dict, auth: dict) -> dict:
    results = []
    for item in body.get("aPInvoiceHoldFlagImports") or []:
        rec = Record(store, item, auth)
        try:
            company = rec.company()
            vendor = rec.key("Vendor_Code", 10)
            number = rec.key("Invoice_Number", 20)
            invoice_type = rec.flag("Invoice_Type_Code", ("I", "C"), "I")
            flag = rec.flag("Selection_Flag", ("H", "O"), "")
            updated = store.update(
                "UPDATE VN_OPEN_ITEMS_MC SET Hold_Flag = ? WHERE Company_Code = ? AND Vendor_Code = ? "
                "AND Invoice_Number = ? AND Invoice_Type_Code = ?",
                [flag, company, vendor, number, invoice_type],
            )
            if not updated:
                raise PutError(
                    "Invoice_Number",
                    f"Invoice_Number '{number}' is not an open invoice of vendor "
                    f"{vendor} in company {company}; only open items can be held or released",
                )
            store.insert_many(
                [
                    (
                        "VN_HOLD_FLAG_LOG_MC",
                        {
                            "Company_Code": company,
                            "Vendor_Code": vendor,
                            "Invoice_Number": number,
                            "Invoice_Type_Code": invoice_type,
                            "Selection_Flag": flag,
                            "Entered_At": _now(),
                        },
                    )
                ]
            )
            outcome = dict(OK)
        except PutError as exc:
            outcome = error(exc)
        results.append(
            {
                "Company_Code": rec.raw("Company_Code"),
                "Vendor_Code": rec.raw("Vendor_Code"),
                "Invoice_Number": rec.raw("Invoice_Number"),
                **outcome,
            }
        )
    return {"aPInvoiceHoldFlagImports": results}


# ---- JC -----------------------------------------------------------------------------------------------


def add_jc_trans(store: Store, fields: dict, auth: dict) -> dict[str, str]:
    rec = Record(store, fields, auth)
    try:
        company = rec.company()
        tran_date = rec.date("Tran_Date")
        job = rec.job(company, required=True)
        phase, cost_type = rec.phase(company, job)
        amount = rec.amount("Tran_Amount", required=True)
        hours = rec.amount("Total_Hours", places=4)
        rec.open_period(company, "JC", "Tran_Date", tran_date)
        row = {
            "Company_Code": company,
            "Batch_Code": rec.key("Batch_Code", 10, required=False) or f"WS{tran_date:%m%d}",
            "Tran_Date": tran_date.isoformat(),
            "Tran_Type_Code": "JC",
            "Reference_1": rec.text("Reference_1", 20),
            "Description": rec.text("Description", 30),
            "Job_Number": job,
            "Phase_Code": phase,
            "Cost_Type": cost_type,
            "Total_Hours": str(hours),
            "Tran_Amount": str(amount),
            "GL_Debit_Account": rec.text("GL_Debit_Account", 20),
            "GL_Credit_Account": rec.text("GL_Credit_Account", 20),
            "Operator": auth["operator"],
            "GUID": rec.text("GUID", 36),
            "Entered_At": _now(),
        }
    except PutError as exc:
        return error(exc)
    store.insert_many([("JC_TRANSACTION_ENTRY_MC", row)])
    return dict(OK)


SOAP_PUTS = {"AddARInvoice": add_ar_invoice, "AddAPInvoice": add_ap_invoice, "AddJCTrans": add_jc_trans}
