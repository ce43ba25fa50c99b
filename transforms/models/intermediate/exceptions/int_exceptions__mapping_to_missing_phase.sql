with
-- Invoice lines on Spectrum jobs that BuildOps bills, which the mapping cannot send to a phase x cost type.
mapped_lines as (
    select * from {{ ref('int_invoice_lines_mapped') }}
    where spectrum_job_number is not null and not is_progress_billed_type
),

mapping_to_missing_phase as (
    select
        {{ exception_select('mapping_to_missing_phase', 'medium', 'sum(amount)',
            "'The mapping sends ' || " ~ text('count(*)') ~ " || ' line(s) on job ' || spectrum_job_number || ' to phase '
              || phase_code || ' x cost type ' || cost_type || ', which the job does not have in Spectrum; add the phase to the job or fix the mapping.'",
            {'company_code': 'company_code', 'job_number': 'spectrum_job_number', 'phase_code': 'phase_code',
             'cost_type': 'cost_type'},
            occurred_on='min(issued_date)',
            buildops_value=text('count(*)') ~ " || ' line(s) mapped to ' || phase_code || ' x ' || cost_type",
            spectrum_value="'no such phase x cost type on the job'") }}
    from mapped_lines
    where mapping_status = 'phase_not_on_job'
    group by company_code, spectrum_job_number, phase_code, cost_type
)

select * from mapping_to_missing_phase
