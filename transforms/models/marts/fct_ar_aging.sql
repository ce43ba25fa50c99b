-- Open AR from the ledger of record (Spectrum open items), aged as of var('as_of_date') by days past due,
-- gross and net of retainage. Retainage is not collectible until the job closes out, so a controller
-- reads the net figure as the money that should be coming in.
with open_invoices as (
    select * from {{ ref('fct_invoices') }}
    where spectrum_status in ('open', 'partial', 'retention_held')
),

aged as (
    select
        canonical_invoice_number,
        company_code,
        spectrum_customer_code,
        customer_key,
        job_number,
        invoice_type,
        invoice_date,
        due_date,
        {{ as_of_date() }} as as_of_date,
        {{ days_between('coalesce(due_date, invoice_date)', as_of_date()) }} as days_past_due,
        balance as gross_balance,
        retainage_held,
        balance - retainage_held as net_balance
    from open_invoices
),

bucketed as (
    select
        *,
        case
            when days_past_due <= 0 then 'current'
            when days_past_due <= 30 then '1-30'
            when days_past_due <= 60 then '31-60'
            when days_past_due <= 90 then '61-90'
            else '90+'
        end as aging_bucket
    from aged
),

final as (
    select
        *,
        {% for bucket, name in [('current', 'current'), ('1-30', '1_30'), ('31-60', '31_60'), ('61-90', '61_90'), ('90+', 'over_90')] %}
        case when aging_bucket = '{{ bucket }}' then gross_balance else 0 end as gross_{{ name }},
        case when aging_bucket = '{{ bucket }}' then net_balance else 0 end as net_{{ name }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from bucketed
)

select * from final
