-- One row per problem a controller must clear before the books close: its type, severity, the keys that
-- find it in BuildOps and Spectrum (named as truth.json names them), the money at stake and a sentence
-- saying what is wrong and what to do. Rules that destination-spectrum also enforces (mapping, routing,
-- compliance) read the same mapping CSV and policy (macros/policy.sql), so both reach the same verdict.

with invoices as (
    select * from {{ ref('fct_invoices') }}
),

spectrum_ar as (
    select * from {{ ref('int_invoice_status') }}
),

jobs as (
    select * from {{ ref('int_jobs') }}
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
            occurred_on='invoice_date') }}
    from invoices
    where buildops_invoice_id is not null
      and spectrum_status <> 'not_posted'
      -- Spectrum never applies more cash than the invoice total, so compare with BuildOps' cash capped the same way.
      and greatest(buildops_balance, 0) <> balance
      -- Totals that differ are changed_after_posting (below): the balances differ by the edit, not by cash.
      and not coalesce(buildops_total <> spectrum_total, false)
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
            occurred_on='invoice_date') }}
    from invoices
    where buildops_invoice_id is not null
      and spectrum_status <> 'not_posted'
      and buildops_total <> spectrum_total
),

-- A Spectrum invoice keyed by hand for a ticket BuildOps already posted: same customer, job and total,
-- dated within a week after the original.
posted_from_buildops as (
    select * from invoices where buildops_invoice_id is not null and spectrum_status <> 'not_posted'
),

keyed_in_spectrum as (
    select s.* from spectrum_ar as s
    where s.application_number is null
      and not exists (select 1 from invoices as i
                      where i.buildops_invoice_id is not null and i.canonical_invoice_number = s.invoice_number)
),

double_billed as (
    select
        {{ exception_select('double_billed', 'high', 'm.invoice_total',
            "'Spectrum invoice ' || m.invoice_number || ' repeats BuildOps invoice ' || o.canonical_invoice_number
              || ' (same customer, job and total ' || " ~ text('m.invoice_total')
              ~ " || '); credit the duplicate before statements go out.'",
            {'company_code': 'm.company_code', 'customer_code': 'm.customer_code',
             'job_number': "coalesce(m.job_number, '')", 'invoice_or_transaction': 'o.canonical_invoice_number',
             'duplicate_invoice_or_transaction': 'm.invoice_number', 'buildops_invoice_id': 'o.buildops_invoice_id'},
            occurred_on='m.invoice_date') }}
    from keyed_in_spectrum as m
    inner join posted_from_buildops as o
        on o.company_code = m.company_code
        and o.spectrum_customer_code = m.customer_code
        and coalesce(o.job_number, '') = coalesce(m.job_number, '')
        and o.spectrum_total = m.invoice_total
        and m.invoice_date between o.invoice_date and {{ dbt.dateadd('day', 7, 'o.invoice_date') }}
),

-- An AIA application whose retention differs from the retention on its AR invoice.
retainage_mismatch as (
    select
        {{ exception_select('retainage_mismatch', 'high', 'abs(b.retention_amount - i.retention_amount)',
            "'Application ' || " ~ text('b.application_number') ~ " || ' on job ' || b.job_number || ' holds retention '
              || " ~ text('b.retention_amount') ~ " || ' but its AR invoice ' || b.invoice_number || ' holds '
              || " ~ text('i.retention_amount') ~ " || '; correct the invoice so retainage receivable ties to the draw.'",
            {'company_code': 'b.company_code', 'customer_code': 'b.customer_code', 'job_number': 'b.job_number',
             'application_number': 'b.application_number', 'invoice_or_transaction': 'b.invoice_number'},
            occurred_on='coalesce(i.invoice_date, b.application_date)') }}
    from {{ ref('stg_spectrum__progress_billings') }} as b
    inner join {{ ref('stg_spectrum__ar_invoices') }} as i
        on i.company_code = b.company_code and i.customer_code = b.customer_code
        and i.invoice_number = b.invoice_number
    where b.retention_amount <> i.retention_amount
),

-- Who bills the job is unclear. Billed from both sides: one row per BuildOps invoice posted to Spectrum AR
-- on a progress-billed job. A service ticket with AIA draws: one row per job, at stake what BuildOps billed.
both_sides_invoices as (
    select
        j.company_code, j.spectrum_job_number, j.buildops_job_id, j.job_type, i.canonical_invoice_number, i.total_amount,
        i.invoice_date
    from jobs as j
    inner join invoices as i on i.buildops_job_id = j.buildops_job_id
    where j.billing_route = 'ambiguous' and j.is_progress_billed_type and i.spectrum_status <> 'not_posted'
),

-- The earliest bill on either side of a job: its BuildOps invoices (live ones) and its Spectrum AIA draws
-- (a job-level routing problem belongs there, else to the job's creation).
job_bill_dates as (
    select job_id as buildops_job_id, issued_date as billed_on
    from {{ ref('stg_buildops__invoices') }}
    where not is_deleted and not is_draft_or_void and job_id is not null
    union all
    select j.buildops_job_id, b.application_date as billed_on
    from {{ ref('stg_spectrum__progress_billings') }} as b
    inner join jobs as j on j.company_code = b.company_code and j.spectrum_job_number = b.job_number
    where j.buildops_job_id is not null
),

job_first_billed as (
    select buildops_job_id as billed_job_id, min(billed_on) as first_billed_date
    from job_bill_dates
    group by buildops_job_id
),

routing_ambiguous as (
    select
        {{ exception_select('routing_ambiguous', 'medium', 'total_amount',
            "'Job ' || spectrum_job_number || ' (' || job_type || ') is progress billed in Spectrum, yet BuildOps invoice '
              || canonical_invoice_number || ' was also posted to Spectrum AR; void one of the two bills.'",
            {'company_code': 'company_code', 'job_number': 'spectrum_job_number', 'buildops_job_id': 'buildops_job_id',
             'invoice_or_transaction': 'canonical_invoice_number'},
            occurred_on='invoice_date') }}
    from both_sides_invoices
    union all
    select
        {{ exception_select('routing_ambiguous', 'medium', 'buildops_invoiced',
            "'Service job ' || spectrum_job_number || ' (' || job_type || ') has ' || " ~ text('spectrum_draw_count')
              ~ " || ' AIA draw(s) in Spectrum while BuildOps billed ' || " ~ text('buildops_invoiced')
              ~ " || '; decide in policy.yml who bills it before either side bills again.'",
            {'company_code': 'company_code', 'job_number': 'spectrum_job_number', 'buildops_job_id': 'buildops_job_id'},
            occurred_on='coalesce(d.first_billed_date, j.created_date)') }}
    from jobs as j
    left join job_first_billed as d on d.billed_job_id = j.buildops_job_id
    where billing_route = 'ambiguous' and not is_progress_billed_type
),

-- Completed service work (no agreement) with cost in Spectrum and no invoice on either side. It belongs to
-- the month the work was completed (BuildOps completedDate, else the job's last visit).
job_last_visit as (
    select job_id, max(scheduled_date) as last_visit_date
    from {{ ref('stg_buildops__visits') }}
    where job_id is not null
    group by job_id
),

unbilled_work as (
    select
        {{ exception_select('unbilled_work', 'high', 'job_cost_to_date',
            "'Service job ' || spectrum_job_number || ' was completed in BuildOps and carries ' || "
              ~ text('job_cost_to_date') ~ " || ' of cost in Spectrum, but nobody has invoiced it; bill it or write it off.'",
            {'company_code': 'company_code', 'job_number': 'spectrum_job_number', 'buildops_job_id': 'buildops_job_id'},
            occurred_on='coalesce(j.completed_date, v.last_visit_date)') }}
    from jobs as j
    left join job_last_visit as v on v.job_id = j.buildops_job_id
    where work_kind = 'service'
      and lower(coalesce(buildops_status, '')) = 'complete'
      and spectrum_job_number is not null
      and buildops_live_invoice_count = 0
      and spectrum_invoice_count = 0
      and job_cost_to_date > 0
),

-- An employee-week worked in BuildOps whose payroll check date has passed but which never reached Spectrum.
payroll_timing_gap as (
    select
        {{ exception_select('payroll_timing_gap', 'medium', 'base_pay_estimate',
            text('buildops_hours') ~ " || ' hours ' || coalesce(employee_name, employee_code) || ' worked in the week ending '
              || " ~ text('period_end_date') ~ " || ' are in BuildOps but not in Spectrum payroll (check date '
              || " ~ text('check_date') ~ " || '); job cost is understated until payroll posts them.'",
            {'company_code': 'company_code', 'employee_code': 'employee_code',
             'buildops_employee_id': 'buildops_employee_id', 'period_end_date': 'period_end_date'},
            occurred_on='first_work_date') }}
    from {{ ref('int_payroll_weeks') }}
    where is_payroll_due and spectrum_hours = 0 and buildops_hours > 0
),

-- Invoice lines on Spectrum jobs that BuildOps bills, which the mapping cannot send to a phase x cost type.
mapped_lines as (
    select * from {{ ref('int_invoice_lines_mapped') }}
    where spectrum_job_number is not null and not is_progress_billed_type
),

unmapped_pricebook_item as (
    select
        {{ exception_select('unmapped_pricebook_item', 'medium', 'sum(amount)',
            "'Pricebook item ' || coalesce(max(product_code), '(no product code)') || ' has no row in cost_code_mapping.csv for company '
              || company_code || ' and no default applies; ' || " ~ text('count(*)')
              ~ " || ' invoice line(s) cannot post until it is mapped.'",
            {'company_code': 'company_code', 'product_code': 'product_code'},
            occurred_on='min(issued_date)') }}
    from mapped_lines
    where mapping_status = 'unmapped'
    group by company_code, product_code
),

mapping_to_missing_phase as (
    select
        {{ exception_select('mapping_to_missing_phase', 'medium', 'sum(amount)',
            "'The mapping sends ' || " ~ text('count(*)') ~ " || ' line(s) on job ' || spectrum_job_number || ' to phase '
              || phase_code || ' x cost type ' || cost_type || ', which the job does not have in Spectrum; add the phase to the job or fix the mapping.'",
            {'company_code': 'company_code', 'job_number': 'spectrum_job_number', 'phase_code': 'phase_code',
             'cost_type': 'cost_type'},
            occurred_on='min(issued_date)') }}
    from mapped_lines
    where mapping_status = 'phase_not_on_job'
    group by company_code, spectrum_job_number, phase_code, cost_type
),

-- A subcontractor assigned in BuildOps while its COI, lien waiver or W-9 had lapsed in Spectrum.
compliance_lapsed_assignment as (
    select
        {{ exception_select('compliance_lapsed_assignment', 'high', 'po_amount',
            "vendor_name || ' (' || vendor_code || ') was assigned ' || po_number || ' on job ' || job_number || ' on '
              || " ~ text('ordered_date') ~ " || ' with '
              || case when coi_lapsed then 'an expired certificate of insurance' else '' end
              || case when coi_lapsed and (w9_lapsed or lien_waiver_lapsed) then ', ' else '' end
              || case when w9_lapsed then 'no W-9 on file' else '' end
              || case when w9_lapsed and lien_waiver_lapsed then ', ' else '' end
              || case when lien_waiver_lapsed then 'no lien waiver for this subcontract' else '' end
              || '; hold its pay applications until the documents are current.'",
            {'company_code': 'company_code', 'vendor_code': 'vendor_code', 'buildops_vendor_id': 'buildops_vendor_id',
             'buildops_purchase_order_id': 'buildops_purchase_order_id', 'po_number': 'po_number',
             'job_number': 'job_number'},
            occurred_on='case when coi_lapsed_on > ordered_date then coi_lapsed_on
                              else coalesce(ordered_date, coi_lapsed_on) end') }}
    from {{ ref('int_sub_assignments') }}
    where coi_lapsed or w9_lapsed or lien_waiver_lapsed
),

-- A Spectrum customer BuildOps bills (its jobs point there) that neither the crosswalk nor the code or
-- name rules tie to the BuildOps customer: AR for that customer cannot be reconciled.
unmatched_customers as (
    select distinct
        x.company_code, x.customer_code, x.spectrum_customer_name, j.buildops_billing_customer_id
    from {{ ref('int_customer_xref') }} as x
    inner join jobs as j
        on j.company_code = x.company_code and j.spectrum_customer_code = x.customer_code
    where x.match_method = 'unmatched' and j.buildops_billing_customer_id is not null
),

customer_billing as (
    select j.company_code, j.buildops_billing_customer_id, sum(j.buildops_invoiced) as buildops_invoiced
    from jobs as j
    where j.spectrum_job_number is not null and not j.is_progress_billed_type
    group by j.company_code, j.buildops_billing_customer_id
),

-- The earliest invoice on either side that the unmatched pair touches (BuildOps invoices on the jobs that
-- point at the Spectrum customer, Spectrum AR invoices of that customer), else the earliest such job.
unmatched_customer_invoice_dates as (
    select u.company_code, u.customer_code, u.buildops_billing_customer_id, bi.issued_date as invoice_date
    from unmatched_customers as u
    inner join jobs as j
        on j.company_code = u.company_code and j.spectrum_customer_code = u.customer_code
        and j.buildops_billing_customer_id = u.buildops_billing_customer_id
    inner join {{ ref('stg_buildops__invoices') }} as bi on bi.job_id = j.buildops_job_id
    where not bi.is_deleted and not bi.is_draft_or_void
    union all
    select u.company_code, u.customer_code, u.buildops_billing_customer_id, s.invoice_date
    from unmatched_customers as u
    inner join spectrum_ar as s on s.company_code = u.company_code and s.customer_code = u.customer_code
),

unmatched_customer_job_dates as (
    select u.company_code, u.customer_code, u.buildops_billing_customer_id, min(j.created_date) as first_job_date
    from unmatched_customers as u
    inner join jobs as j
        on j.company_code = u.company_code and j.spectrum_customer_code = u.customer_code
        and j.buildops_billing_customer_id = u.buildops_billing_customer_id
    group by u.company_code, u.customer_code, u.buildops_billing_customer_id
),

unmatched_customer_dates as (
    select
        jd.company_code, jd.customer_code, jd.buildops_billing_customer_id, jd.first_job_date,
        min(idates.invoice_date) as first_invoice_date
    from unmatched_customer_job_dates as jd
    left join unmatched_customer_invoice_dates as idates
        on idates.company_code = jd.company_code and idates.customer_code = jd.customer_code
        and idates.buildops_billing_customer_id = jd.buildops_billing_customer_id
    group by jd.company_code, jd.customer_code, jd.buildops_billing_customer_id, jd.first_job_date
),

customer_unmatched as (
    select
        {{ exception_select('customer_unmatched', 'medium', 'coalesce(b.buildops_invoiced, 0)',
            "'Spectrum customer ' || u.customer_code || ' (' || u.spectrum_customer_name || ') in ' || u.company_code
              || ' is billed for BuildOps customer ' || coalesce(c.customer_name, u.buildops_billing_customer_id)
              || ' but no crosswalk row, code or name ties them; add the pair to customer_crosswalk.csv.'",
            {'company_code': 'u.company_code', 'customer_code': 'u.customer_code',
             'buildops_customer_id': 'u.buildops_billing_customer_id'},
            occurred_on='coalesce(d.first_invoice_date, d.first_job_date)') }}
    from unmatched_customers as u
    left join customer_billing as b
        on b.company_code = u.company_code and b.buildops_billing_customer_id = u.buildops_billing_customer_id
    left join {{ ref('stg_buildops__customers') }} as c on c.customer_id = u.buildops_billing_customer_id
    left join unmatched_customer_dates as d
        on d.company_code = u.company_code and d.customer_code = u.customer_code
        and d.buildops_billing_customer_id = u.buildops_billing_customer_id
),

all_exceptions as (
    select * from payment_status_drift
    union all select * from changed_after_posting
    union all select * from double_billed
    union all select * from retainage_mismatch
    union all select * from routing_ambiguous
    union all select * from unbilled_work
    union all select * from payroll_timing_gap
    union all select * from unmapped_pricebook_item
    union all select * from mapping_to_missing_phase
    union all select * from compliance_lapsed_assignment
    union all select * from customer_unmatched
),

final as (
    select
        {{ dbt.concat(["exception_type"] + ([ "'|'" ] | list) + [text('company_code'), "'|'", text('customer_code'), "'|'",
            text('job_number'), "'|'", text('invoice_or_transaction'), "'|'", text('duplicate_invoice_or_transaction'),
            "'|'", text('employee_code'), "'|'", text('period_end_date'), "'|'", text('application_number'), "'|'",
            text('po_number'), "'|'", text('product_code'), "'|'", text('phase_code'), "'|'", text('cost_type'),
            "'|'", text('buildops_invoice_id')]) }} as exception_id,
        exception_type,
        severity,
        case exception_type
            when 'payment_status_drift' then 'ar_reconciliation'
            when 'double_billed' then 'ar_reconciliation'
            when 'changed_after_posting' then 'ar_reconciliation'
            when 'customer_unmatched' then 'ar_reconciliation'
            when 'unmapped_pricebook_item' then 'mapping_drift_review'
            when 'mapping_to_missing_phase' then 'mapping_drift_review'
            when 'routing_ambiguous' then 'aia_routing_review'
            when 'retainage_mismatch' then 'retainage_reconciliation'
            when 'compliance_lapsed_assignment' then 'sub_compliance_audit'
            when 'payroll_timing_gap' then 'payroll_to_job_cost'
            when 'unbilled_work' then 'job_profitability_and_wip'
        end as close_step,
        occurred_on,
        {% for column in exception_key_columns() %}{{ column }},
        {% endfor %}amount_at_stake,
        description
    from all_exceptions
)

select * from final
