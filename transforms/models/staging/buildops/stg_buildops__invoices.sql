with source as (
    select * from {{ raw_rows('buildops', 'invoices', ['id']) }}
),

renamed as (
    select
        id as invoice_id,
        tenantid as tenant_id,
        {{ trimmed('invoicenumber') }} as invoice_number,
        -- The number Spectrum files it under: see macro canonical_invoice_number.
        {{ canonical_invoice_number('invoicenumber') }} as canonical_invoice_number,
        status as buildops_status,
        jobid as job_id,
        {{ trimmed('jobnumber') }} as job_number,
        serviceagreementid as service_agreement_id,
        customerid as customer_id,
        coalesce(billingcustomerid, customerid) as billing_customer_id,
        customerpropertyid as property_id,
        departmentid as department_id,
        {{ iso_date('issueddate') }} as issued_date,
        {{ iso_date('duedate') }} as due_date,
        {{ money('subtotal') }} as subtotal,
        coalesce({{ money('taxamount') }}, 0) as tax_amount,
        {{ money('totalamount') }} as total_amount,
        -- Retainage withheld on the invoice: source-buildops emits it as retainageAmount whatever the tenant calls
        -- it (its invoice_retainage_field setting; the field name is unverified). Null when BuildOps sent none.
        {{ money('retainageamount') }} as retainage_amount,
        isfinalinvoice as is_final_invoice,
        {{ json_str('audit', 'deletedDateTime') }} is not null as is_deleted,
        -- Drafts, voids, deleted and bypassed (kept out of the accounting export) invoices are not revenue:
        -- nothing posts them to the ledger.
        lower(coalesce(status, '')) in ('draft', 'void', 'voided', 'canceled', 'cancelled', 'deleted', 'bypassed')
            as is_draft_or_void
    from source
)

select * from renamed
