"""Purchase orders to suppliers and subcontractors, on project jobs and some service jobs."""

from __future__ import annotations

from .common import AS_OF, DAY, Ctx, audit, money, new_id


def purchase_orders(ctx: Ctx, job_list, vends, products, emps) -> list[dict]:
    rng = ctx.rng("purchase_orders")
    suppliers = [v for v in vends if v["vendorType"] == "Supplier" and v["isActive"]] or vends
    subs = [v for v in vends if v["vendorType"] == "Subcontractor" and v["isActive"]] or vends
    parts_by_company: dict[str, list[dict]] = {}
    for p in products:
        if p["productType"] in ("Part", "Material", "Equipment") and p["isActive"]:
            parts_by_company.setdefault(p["_company"], []).append(p)
    buyers = [e for e in emps if not e["isTech"]] or emps
    out = []
    for job in job_list:
        if job["status"] == "Canceled" or job["audit"]["deletedDateTime"]:
            continue
        kind = job["_kind"]
        if kind == "project":
            n_mat = rng.randint(2, 4) if job["jobTypeName"] == "Tenant Improvement" else rng.randint(3, 9)
            n_sub = rng.randint(0, 1) if job["jobTypeName"] == "Tenant Improvement" else rng.randint(1, 3)
        elif kind == "service" and rng.random() < 0.08:
            n_mat, n_sub = 1, 0
        else:
            continue
        parts = parts_by_company.get(job["_company"]) or [p for ps in parts_by_company.values() for p in ps]
        span = max(1, min(job["_end"], AS_OF - DAY) - job["_start"])
        for k in range(n_mat + n_sub):
            ordered = job["_start"] + span * k // (n_mat + n_sub) + rng.randint(0, 2) * DAY
            ordered = min(ordered, AS_OF - DAY)
            is_sub = k >= n_mat
            vendor = rng.choice(subs if is_sub else suppliers)
            if is_sub:
                lines = [_sub_line(rng, job, vendor)]
            else:
                lines = [_part_line(rng, n, rng.choice(parts), ordered) for n in range(rng.randint(1, 5))]
            total_c = sum(line.pop("_total_c") for line in lines)
            received = ordered + rng.randint(2, 14) * DAY < AS_OF
            # The product's PO states (help centre): Draft, Ordered, Partially Fulfilled, Fulfilled, Void.
            status = (
                ("Fulfilled" if received else "Ordered")
                if not is_sub
                else ("Fulfilled" if job["status"] == "Complete" else "Ordered")
            )
            if rng.random() < 0.02:
                status = "Void"
            for line in lines:
                line["quantityReceived"] = line["quantity"] if status == "Fulfilled" else 0
            out.append(
                {
                    "id": new_id(rng),
                    "poNumber": None,
                    "status": status,
                    "poType": "Subcontract" if is_sub else "Materials",
                    "vendorId": vendor["id"],
                    "vendorName": vendor["name"],
                    "jobId": job["id"],
                    "jobNumber": job["jobNumber"],
                    "departmentId": job["_dept"]["id"],
                    "orderedById": rng.choice(buyers)["id"],
                    "dateOfPurchase": ordered,
                    "requiredByDate": ordered + rng.randint(3, 21) * DAY,
                    "description": (f"{vendor['trade']} subcontract" if is_sub else "Materials") + f" for job "
                    f"{job['jobNumber']}",
                    "freight": 0.0 if is_sub else money(rng.choice((0, 0, 2500, 4500))),
                    "tax": 0.0,
                    "totalCost": money(total_c),
                    "purchaseOrderLines": lines,
                    "version": rng.randint(1, 4),
                    "audit": audit(rng, ordered, min(AS_OF, ordered + rng.randint(0, 20) * DAY)),
                }
            )
            job["_po_cost_c"] = job.get("_po_cost_c", 0) + (0 if status == "Void" else total_c)
    out.sort(key=lambda po: po["dateOfPurchase"])
    for i, po in enumerate(out):
        po["poNumber"] = f"PO{60001 + i}"
    return out


def _part_line(rng, n, product, ordered) -> dict:
    qty = rng.randint(1, 6) if product["unitOfMeasure"] == "EA" else rng.randint(10, 200)
    cost_c = round(product["unitCost"] * 100)
    return {
        "id": new_id(rng),
        "lineNumber": n + 1,
        "productId": product["id"],
        "productCode": product["code"],
        "description": product["name"],
        "quantity": qty,
        "unitOfMeasure": product["unitOfMeasure"],
        "unitCost": money(cost_c),
        "totalCost": money(cost_c * qty),
        "_total_c": cost_c * qty,
    }


def _sub_line(rng, job, vendor) -> dict:
    contract_c = round((job["amountQuoted"] or 10000) * 100)
    total_c = round(contract_c * rng.uniform(0.05, 0.25))
    return {
        "id": new_id(rng),
        "lineNumber": 1,
        "productId": None,
        "productCode": None,
        "description": f"{vendor['trade']} scope per subcontract",
        "quantity": 1,
        "unitOfMeasure": "LS",
        "unitCost": money(total_c),
        "totalCost": money(total_c),
        "_total_c": total_c,
    }
