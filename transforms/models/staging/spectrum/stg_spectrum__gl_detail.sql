with source as (
    select * from {{ raw_rows('spectrum', 'gl_detail', ['company_code', 'year', 'gl_period', 'gl_account', 'tran_number']) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('year') }} as fiscal_year,
        {{ trimmed('gl_period') }} as gl_period,
        {{ trimmed('gl_account') }} as gl_account,
        {{ iso_date('tran_date') }} as tran_date,
        {{ trimmed('tran_number') }} as tran_number,
        coalesce({{ money('amount') }}, 0) as amount,
        {{ trimmed('job_number') }} as job_number,
        {{ trimmed('customer_code') }} as customer_code,
        {{ trimmed('source_transaction_type') }} as source_transaction_type,
        {{ trimmed('journal_remarks') }} as journal_remarks
    from source
)

select * from renamed
