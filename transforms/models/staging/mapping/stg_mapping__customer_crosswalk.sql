with source as (
    select * from {{ source('mapping', 'customer_crosswalk') }}
),

renamed as (
    select
        {{ trimmed('buildops_customer_id') }} as buildops_customer_id,
        upper({{ trimmed('company_code') }}) as company_code,
        {{ trimmed('customer_code') }} as customer_code
    from source
    where {{ trimmed('buildops_customer_id') }} is not null
)

select * from renamed
