with
-- Invoice lines on Spectrum jobs that BuildOps bills, which the mapping cannot send to a phase x cost type.
mapped_lines as (
    select * from {{ ref('int_invoice_lines_mapped') }}
    where spectrum_job_number is not null and not is_progress_billed_type
),

unmapped_pricebook_item as (
    select
        {{ exception_select('unmapped_pricebook_item', 'medium', 'sum(amount)',
            "'Pricebook item ' || coalesce(max(product_code), '(no product code)') || ' has no row in cost_code_mapping.csv for company '
              || company_code || ' and no default applies; ' || " ~ text('count(*)')
              ~ " || ' invoice line(s) cannot post until it is mapped.'",
            {'company_code': 'company_code', 'product_code': 'product_code'},
            occurred_on='min(issued_date)',
            buildops_value=text('count(*)') ~ " || ' line(s)'", spectrum_value="'no mapping row'") }}
    from mapped_lines
    where mapping_status = 'unmapped'
    group by company_code, product_code
)

select * from unmapped_pricebook_item
