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
        isactive as is_active,
        -- The day the item was added or last changed in BuildOps: the date a drift exception belongs to.
        {{ iso_date("coalesce(" ~ json_str('audit', 'lastUpdatedDateTime') ~ ", " ~ json_str('audit', 'createdDateTime') ~ ")") }} as updated_date
    from source
)

select * from renamed
