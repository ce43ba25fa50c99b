-- One customer master across both systems. A BuildOps customer is the master record (its id is the key);
-- Spectrum customers attach to it per company through int_customer_xref, and Spectrum customers nobody in
-- BuildOps matches stand on their own ('spectrum:<company>:<code>'). The segment is BuildOps' customerType
-- mapped by policy.yml's cfo.segments (a Spectrum-only customer has no type: the default segment).
with buildops_customers as (
    select * from {{ ref('stg_buildops__customers') }} where not is_deleted
),

xref as (
    select * from {{ ref('int_customer_xref') }}
),

properties as (
    select * from {{ ref('stg_buildops__properties') }} where not is_deleted
),

-- The billing parent: the customer a property's invoices go to when it is not the customer itself
-- (a property manager paying for the owner's sites).
billing_parents as (
    select customer_id, min(billing_customer_id) as billing_parent_customer_id
    from properties
    where billing_customer_id <> customer_id
    group by customer_id
),

codes as (
    select
        customer_key,
        {{ dbt.listagg("company_code || ':' || customer_code", "', '", "order by company_code, customer_code") }} as spectrum_customer_codes,
        count(*) as spectrum_code_count,
        min(match_method) as match_method,
        min(spectrum_customer_name) as spectrum_customer_name
    from xref
    group by customer_key
),

from_buildops as (
    select
        bc.customer_id as customer_key,
        bc.customer_id as buildops_customer_id,
        bc.customer_name,
        bc.customer_type,
        {{ cfo_segment('bc.customer_type') }} as segment,
        bc.status as buildops_status,
        c.spectrum_customer_codes,
        coalesce(c.spectrum_code_count, 0) as spectrum_code_count,
        coalesce(c.match_method, 'unmatched') as match_method,
        bp.billing_parent_customer_id
    from buildops_customers as bc
    left join codes as c on c.customer_key = bc.customer_id
    left join billing_parents as bp on bp.customer_id = bc.customer_id
),

spectrum_only as (
    select
        c.customer_key,
        cast(null as {{ dbt.type_string() }}) as buildops_customer_id,
        c.spectrum_customer_name as customer_name,
        cast(null as {{ dbt.type_string() }}) as customer_type,
        '{{ cfo_policy().default_segment }}' as segment,
        cast(null as {{ dbt.type_string() }}) as buildops_status,
        c.spectrum_customer_codes,
        c.spectrum_code_count,
        'spectrum_only' as match_method,
        cast(null as {{ dbt.type_string() }}) as billing_parent_customer_id
    from codes as c
    where c.customer_key not in (select customer_id from buildops_customers)
),

final as (
    select * from from_buildops
    union all
    select * from spectrum_only
)

select * from final
