with invoices as (
    select * from {{ ref('fct_invoices') }}
),

-- A posted BuildOps invoice whose balance BuildOps and Spectrum disagree on (cash recorded on one side only).
payment_status_drift as (
    select
        {{ exception_select('payment_status_drift', 'high', 'abs(buildops_balance - balance)',
            "'Invoice ' || canonical_invoice_number || ' is ' || case when buildops_balance <= 0 then 'paid' else 'open' end
              || ' in BuildOps but ' || spectrum_status || ' in Spectrum (open balance ' || " ~ text('balance')
              ~ " || '); find the cash receipt recorded on one side only and correct the other.'",
            {'company_code': 'company_code', 'customer_code': 'spectrum_customer_code',
             'invoice_or_transaction': 'canonical_invoice_number', 'buildops_invoice_id': 'buildops_invoice_id',
             'buildops_invoice_number': 'buildops_invoice_number'},
            occurred_on='invoice_date',
            buildops_value=text('greatest(buildops_balance, cast(0 as decimal(18, 2)))'), spectrum_value=text('balance')) }}
    from invoices
    where buildops_invoice_id is not null
      and spectrum_status <> 'not_posted'
      -- Spectrum never applies more cash than the invoice total, so compare with BuildOps' cash capped the same way.
      and greatest(buildops_balance, 0) <> balance
      -- Totals that differ are int_exceptions__changed_after_posting: the balances differ by the edit, not by cash.
      and not coalesce(buildops_total <> spectrum_total, false)
)

select * from payment_status_drift
