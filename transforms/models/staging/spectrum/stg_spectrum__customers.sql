with source as (
    select * from {{ raw_rows('spectrum', 'customers', ['company_code', 'customer_code']) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('customer_code') }} as customer_code,
        {{ trimmed('name') }} as customer_name,
        {{ trimmed('city') }} as city,
        {{ trimmed('state') }} as state,
        {{ trimmed('terms_code') }} as terms_code,
        {{ trimmed('status') }} as status,
        {{ money('credit_limit') }} as credit_limit,
        {{ money('balance') }} as balance
    from source
)

select * from renamed
