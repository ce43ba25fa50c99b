with source as (
    select * from {{ raw_rows('buildops', 'properties', ['id']) }}
),

renamed as (
    select
        id as property_id,
        {{ trimmed('companyname') }} as property_name,
        customerid as customer_id,
        coalesce(billingcustomerid, customerid) as billing_customer_id,
        customerpropertytypevalue as property_type,
        {{ json_str('audit', 'deletedDateTime') }} is not null as is_deleted
    from source
)

select * from renamed
