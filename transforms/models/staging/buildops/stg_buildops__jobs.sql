with source as (
    select * from {{ raw_rows('buildops', 'jobs', ['id']) }}
),

renamed as (
    select
        id as job_id,
        {{ trimmed('jobnumber') }} as job_number,
        status as job_status,
        jobtypeid as job_type_id,
        jobtypename as job_type_name,
        customerid as customer_id,
        customerpropertyid as property_id,
        coalesce(billingcustomerid, customerid) as billing_customer_id,
        serviceagreementid as service_agreement_id,
        -- The job's (first) department: job_crosswalk.csv department rules and the job's company match on it.
        {{ json_first_str('departments', 'id') }} as department_id,
        {{ trimmed(json_first_str('departments', 'name')) }} as department_name,
        billingtype as billing_type,
        billingstatus as billing_status,
        -- The quote the job was sold from (unverified field name: docs/evidence/buildops.csv).
        quoteid as quote_id,
        {{ money('amountquoted') }} as amount_quoted,
        {{ money('costamount') }} as cost_amount,
        {{ iso_date('completeddate') }} as completed_date,
        {{ iso_date(json_str('audit', 'createdDateTime')) }} as created_date,
        {{ json_str('audit', 'deletedDateTime') }} is not null as is_deleted
    from source
)

select * from renamed
