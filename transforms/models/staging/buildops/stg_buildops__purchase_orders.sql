with source as (
    select * from {{ raw_rows('buildops', 'purchase_orders', ['id']) }}
),

renamed as (
    select
        id as purchase_order_id,
        ponumber as po_number,
        status as po_status,
        potype as po_type,
        vendorid as vendor_id,
        jobid as job_id,
        {{ trimmed('jobnumber') }} as job_number,
        departmentid as department_id,
        {{ flexible_date('dateofpurchase') }} as ordered_date,
        {{ iso_date('requiredbydate') }} as required_by_date,
        {{ money('totalcost') }} as total_cost,
        coalesce({{ money('freight') }}, 0) as freight,
        {{ json_str('audit', 'deletedDateTime') }} is not null as is_deleted
    from source
)

select * from renamed
