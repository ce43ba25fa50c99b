with source as (
    select * from {{ raw_rows('buildops', 'customers', ['id']) }}
),

renamed as (
    select
        id as customer_id,
        tenantid as tenant_id,
        {{ trimmed('name') }} as customer_name,
        {{ trimmed('customernumber') }} as customer_number,
        {{ trimmed('accountnumber') }} as account_number,
        customertype as customer_type,
        status,
        {{ json_str('audit', 'deletedDateTime') }} is not null as is_deleted
    from source
)

select * from renamed
