with source as (
    select * from {{ raw_rows('spectrum', 'cost_types', ['company_code', 'cost_type']) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('cost_type') }} as cost_type,
        {{ trimmed('description') }} as cost_type_description,
        -- Cost types are user-defined; the category (L labor, M material, S subcontract, E equipment,
        -- O other) says what a code means, so profitability never hard-codes 'L' or 'S'.
        upper({{ trimmed('cost_category') }}) as cost_category,
        {{ trimmed('burden_flag') }} as burden_flag
    from source
)

select * from renamed
