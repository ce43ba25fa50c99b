with source as (
    select * from {{ raw_rows('buildops', 'quotes', ['id']) }}
),

renamed as (
    select
        id as quote_id,
        quotenumber as quote_number,
        status as quote_status,
        jobid as job_id,
        propertyid as property_id,
        customerid as customer_id,
        coalesce(billingcustomerid, customerid) as billing_customer_id,
        departmentid as department_id,
        {{ iso_date('issueddate') }} as issued_date,
        {{ money('totalamount') }} as total_amount,
        {{ json_str('audit', 'deletedDateTime') }} is not null as is_deleted
    from source
)

select * from renamed
