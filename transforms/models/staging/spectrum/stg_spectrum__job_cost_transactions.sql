with source as (
    select * from {{ raw_rows('spectrum', 'job_cost_transactions', ['company_code', 'job_number', 'phase_code', 'cost_type', 'tran_date_text', 'tran_type_code', 'reference_1', 'reference_2', 'detail_sequence'], deletions=true) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('job_number') }} as job_number,
        {{ trimmed('phase_code') }} as phase_code,
        {{ trimmed('cost_type') }} as cost_type,
        {{ trimmed('tran_type_code') }} as tran_type_code,
        -- Spectrum stores Tran_Date_Text as YYYYMMDD text; source-spectrum emits it as an ISO date.
        {{ flexible_date('tran_date_text') }} as tran_date,
        {{ trimmed('reference_1') }} as reference_1,
        -- The rest of Spectrum's key (with the columns above): one cost line of a multi-line entry.
        {{ trimmed('reference_2') }} as reference_2,
        detail_sequence,
        {{ trimmed('description') }} as description,
        {{ trimmed('employee_code') }} as employee_code,
        {{ trimmed('vendor_code') }} as vendor_code,
        {{ trimmed('invoice_number') }} as invoice_number,
        {{ rate('total_hours') }} as total_hours,
        {{ money('tran_amount') }} as tran_amount,
        coalesce({{ money('pr_burden') }}, 0) as pr_burden
    from source
)

select * from renamed
