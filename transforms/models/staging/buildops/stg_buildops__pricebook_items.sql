with source as (
    select * from {{ raw_rows('buildops', 'pricebook_items', ['id']) }}
),

renamed as (
    select
        id as product_id,
        {{ trimmed('code') }} as product_code,
        {{ trimmed('name') }} as product_name,
        producttype as product_type,
        category,
        {{ rate('unitcost') }} as unit_cost,
        {{ rate('unitprice') }} as unit_price,
        isactive as is_active
    from source
)

select * from renamed
