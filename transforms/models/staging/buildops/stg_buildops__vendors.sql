with source as (
    select * from {{ raw_rows('buildops', 'vendors', ['id']) }}
),

renamed as (
    select
        id as vendor_id,
        {{ trimmed('vendornumber') }} as vendor_number,
        {{ trimmed('name') }} as vendor_name,
        vendortype as vendor_type,
        trade,
        status,
        {{ json_str('audit', 'deletedDateTime') }} is not null as is_deleted
    from source
)

select * from renamed
