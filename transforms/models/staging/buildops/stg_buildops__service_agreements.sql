with source as (
    select * from {{ raw_rows('buildops', 'service_agreements', ['id']) }}
),

renamed as (
    select
        id as service_agreement_id,
        {{ trimmed('agreementnumber') }} as agreement_number,
        {{ trimmed('agreementname') }} as agreement_name,
        status as agreement_status,
        customerid as customer_id,
        coalesce(billingcustomerid, customerid) as billing_customer_id,
        departmentid as department_id,
        {{ iso_date('startdate') }} as start_date,
        {{ iso_date('enddate') }} as end_date,
        {{ money('contractvalue') }} as contract_value
    from source
)

select * from renamed
