with
-- A subcontractor assigned in BuildOps while its COI, lien waiver or W-9 had lapsed in Spectrum.
compliance_lapsed_assignment as (
    select
        {{ exception_select('compliance_lapsed_assignment', 'high', 'po_amount',
            "vendor_name || ' (' || vendor_code || ') was assigned ' || po_number || ' on job ' || job_number || ' on '
              || " ~ text('ordered_date') ~ " || ' with '
              || case when coi_lapsed then 'an expired certificate of insurance' else '' end
              || case when coi_lapsed and (w9_lapsed or lien_waiver_lapsed) then ', ' else '' end
              || case when w9_lapsed then 'no W-9 on file' else '' end
              || case when w9_lapsed and lien_waiver_lapsed then ', ' else '' end
              || case when lien_waiver_lapsed then 'no lien waiver for this subcontract' else '' end
              || '; hold its pay applications until the documents are current.'",
            {'company_code': 'company_code', 'vendor_code': 'vendor_code', 'buildops_vendor_id': 'buildops_vendor_id',
             'buildops_purchase_order_id': 'buildops_purchase_order_id', 'po_number': 'po_number',
             'job_number': 'job_number'},
            occurred_on='case when coi_lapsed_on > ordered_date then coi_lapsed_on
                              else coalesce(ordered_date, coi_lapsed_on) end',
            buildops_value="'assigned ' || po_number",
            spectrum_value="case when coi_lapsed then 'COI lapsed ' else '' end
              || case when w9_lapsed then 'no W-9 ' else '' end
              || case when lien_waiver_lapsed then 'no lien waiver' else '' end") }}
    from {{ ref('int_sub_assignments') }}
    where coi_lapsed or w9_lapsed or lien_waiver_lapsed
)

select * from compliance_lapsed_assignment
