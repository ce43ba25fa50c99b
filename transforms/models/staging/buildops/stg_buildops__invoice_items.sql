with source as (
    select * from {{ source('buildops', 'invoice_items') }}
),

renamed as (
    select
        invoiceid as invoice_id,
        {{ trimmed('name') }} as item_name,
        lineitemtype as line_item_type,
        {{ trimmed(json_str('product', 'code')) }} as product_code,
        {{ rate('quantity') }} as quantity,
        {{ rate('unitprice') }} as unit_price,
        {{ money('amount') }} as amount,
        sortorder as sort_order
    from source
)

select * from renamed
