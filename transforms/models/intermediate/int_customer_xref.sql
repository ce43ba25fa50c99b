-- Each Spectrum customer (company x code) tied to at most one BuildOps customer: the maintained crosswalk
-- first, then the BuildOps customer/account number equal to the Customer_Code, then a unique name match.
with spectrum_customers as (
    select * from {{ ref('stg_spectrum__customers') }}
),

buildops_customers as (
    select * from {{ ref('stg_buildops__customers') }} where not is_deleted
),

crosswalk as (
    select * from {{ ref('stg_mapping__customer_crosswalk') }}
),

by_crosswalk as (
    select sc.company_code, sc.customer_code, cw.buildops_customer_id, 'crosswalk' as match_method, 1 as precedence
    from crosswalk as cw
    inner join spectrum_customers as sc
        on sc.company_code = cw.company_code and sc.customer_code = cw.customer_code
),

-- The customer number or the account number: two equality joins, since one join on either (an OR) compares
-- every Spectrum customer with every BuildOps customer.
by_code as (
    select sc.company_code, sc.customer_code, bc.customer_id as buildops_customer_id, 'code' as match_method, 2 as precedence
    from spectrum_customers as sc
    inner join buildops_customers as bc on upper(sc.customer_code) = upper(bc.customer_number)
    union
    select sc.company_code, sc.customer_code, bc.customer_id as buildops_customer_id, 'code' as match_method, 2 as precedence
    from spectrum_customers as sc
    inner join buildops_customers as bc on upper(sc.customer_code) = upper(bc.account_number)
),

normalised_names as (
    select
        customer_id,
        -- Spectrum keeps 30 characters of a name: compare on what both sides can hold.
        {{ normalised_name('substring(customer_name, 1, 30)') }} as name_key
    from buildops_customers
),

unique_names as (
    select name_key, min(customer_id) as customer_id
    from normalised_names
    group by name_key
    having count(*) = 1
),

by_name as (
    select sc.company_code, sc.customer_code, un.customer_id as buildops_customer_id, 'name' as match_method, 3 as precedence
    from spectrum_customers as sc
    inner join unique_names as un
        on un.name_key = {{ normalised_name('sc.customer_name') }}
),

candidates as (
    select * from by_crosswalk
    union all select * from by_code
    union all select * from by_name
),

ranked as (
    select
        *,
        row_number() over (partition by company_code, customer_code order by precedence, buildops_customer_id) as rank_in_code
    from candidates
),

final as (
    select
        sc.company_code,
        sc.customer_code,
        sc.customer_name as spectrum_customer_name,
        r.buildops_customer_id,
        coalesce(r.match_method, 'unmatched') as match_method,
        coalesce(r.buildops_customer_id, 'spectrum:' || sc.company_code || ':' || sc.customer_code) as customer_key
    from spectrum_customers as sc
    left join ranked as r
        on r.company_code = sc.company_code and r.customer_code = sc.customer_code and r.rank_in_code = 1
)

select * from final
