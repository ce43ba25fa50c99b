with invoices as (
    select * from {{ ref('fct_invoices') }}
),

-- A BuildOps invoice edited after it was posted: BuildOps' total differs from what Spectrum holds for the same
-- canonical invoice (destination-spectrum holds such an invoice as changed_after_posting, or corrects it).
changed_after_posting as (
    select
        {{ exception_select('changed_after_posting', 'high', 'abs(buildops_total - spectrum_total)',
            "'BuildOps invoice ' || buildops_invoice_number || ' totals ' || " ~ text('buildops_total')
              ~ " || ' but Spectrum holds ' || canonical_invoice_number || ' for ' || " ~ text('spectrum_total')
              ~ " || ': it changed after posting; credit the posted invoice and post the corrected one (or undo the edit in BuildOps).'",
            {'company_code': 'company_code', 'customer_code': 'spectrum_customer_code',
             'invoice_or_transaction': 'canonical_invoice_number', 'buildops_invoice_id': 'buildops_invoice_id',
             'buildops_invoice_number': 'buildops_invoice_number'},
            occurred_on='invoice_date',
            buildops_value=text('buildops_total'), spectrum_value=text('spectrum_total')) }}
    from invoices
    where buildops_invoice_id is not null
      and spectrum_status <> 'not_posted'
      and buildops_total <> spectrum_total
)

select * from changed_after_posting
