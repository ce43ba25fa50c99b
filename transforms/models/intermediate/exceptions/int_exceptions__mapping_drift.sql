with
-- Drift caught before revenue flows (issue 15 section 3): an active pricebook item cost_code_mapping.csv has no
-- product_code row for in any company, that no live BuildOps invoice has used yet. Once a live invoice uses it,
-- unmapped_pricebook_item owns it (with the money), so the two never count the same item.
pricebook as (
    select * from {{ ref('stg_buildops__pricebook_items') }}
    where is_active and product_code is not null and product_code <> ''
),

product_rules as (
    select * from {{ ref('stg_mapping__cost_code_mapping') }} where match_type = 'product_code'
),

invoiced as (
    select distinct upper(i.product_code) as product_key
    from {{ ref('stg_buildops__invoice_items') }} as i
    inner join {{ ref('stg_buildops__invoices') }} as inv on inv.invoice_id = i.invoice_id
    where not inv.is_deleted and not inv.is_draft_or_void and i.product_code is not null
),

-- Where each mapped item sells and the cell it maps to: a company's own product_code rows (a company-blank row
-- names no company to learn from).
mapped_items as (
    select r.company_code, r.phase_code, r.cost_type, p.category
    from product_rules as r
    inner join pricebook as p on upper(p.product_code) = r.match_value
    where r.company_code <> ''
),

-- An item sells in the companies that map items of its pricebook category (BuildOps' pricebook names no
-- company); the suggested cell is the one most of them map to there (ties: lowest phase, then cost type).
category_cells as (
    select
        company_code, category, phase_code, cost_type, count(*) as items,
        row_number() over (
            partition by company_code, category order by count(*) desc, phase_code, cost_type
        ) as cell_rank
    from mapped_items
    group by company_code, category, phase_code, cost_type
),

candidates as (
    select p.product_code, p.product_name, p.category, p.updated_date, c.company_code, c.phase_code, c.cost_type, c.items
    from pricebook as p
    left join category_cells as c on c.category = p.category and c.cell_rank = 1
    where upper(p.product_code) not in (select product_key from invoiced)
),

-- Mapped in no company (nor by a company-blank row): a row in one company says where the item sells, so a
-- labor item of one company is not drift in the other that maps labor too.
drifted as (
    select cand.*
    from candidates as cand
    where not exists (select 1 from product_rules as r where r.match_value = upper(cand.product_code))
),

mapping_drift as (
    select
        {{ exception_select('mapping_drift', 'low', '0',
            "'Pricebook item ' || product_code || ' (' || " ~ text('product_name') ~ " || ') has no row in cost_code_mapping.csv'
              || coalesce(' for company ' || company_code, '') || ' and no invoice uses it yet; '
              || coalesce('suggested cell ' || phase_code || ' x ' || cost_type || ' (what most mapped ' || category
                  || ' items map to), ', 'no mapped item shares its category, ')
              || 'run tieout-map suggest for the evidence and add the row before it is billed.'",
            {'company_code': 'company_code', 'product_code': 'product_code'},
            occurred_on='updated_date',
            buildops_value="'active, category ' || " ~ text('category') ~ " || ', not invoiced'",
            spectrum_value="coalesce('no mapping row; suggested ' || phase_code || ' x ' || cost_type, 'no mapping row')") }}
    from drifted
)

select * from mapping_drift
