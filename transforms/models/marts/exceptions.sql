-- One row per problem a controller must clear before the books close: its type, severity, the keys that
-- find it in BuildOps and Spectrum (named as truth.json names them), the money at stake and a sentence
-- saying what is wrong and what to do. Each rule is its own model, int_exceptions__<type>
-- (models/intermediate/exceptions, the rule's sentence in its .yml); this mart unions them and adds the id
-- (macro exception_id: a hash of the type and keys only) and the close step. Rules that destination-spectrum
-- also enforces (mapping, routing, compliance) read the same mapping CSV and policy (macros/policy.sql), so
-- both reach the same verdict.

with all_exceptions as (
    select * from {{ ref('int_exceptions__payment_status_drift') }}
    union all select * from {{ ref('int_exceptions__changed_after_posting') }}
    union all select * from {{ ref('int_exceptions__double_billed') }}
    union all select * from {{ ref('int_exceptions__retainage_mismatch') }}
    union all select * from {{ ref('int_exceptions__routing_ambiguous') }}
    union all select * from {{ ref('int_exceptions__unbilled_work') }}
    union all select * from {{ ref('int_exceptions__payroll_timing_gap') }}
    union all select * from {{ ref('int_exceptions__unmapped_pricebook_item') }}
    union all select * from {{ ref('int_exceptions__mapping_to_missing_phase') }}
    union all select * from {{ ref('int_exceptions__mapping_drift') }}
    union all select * from {{ ref('int_exceptions__compliance_lapsed_assignment') }}
    union all select * from {{ ref('int_exceptions__customer_unmatched') }}
    union all select * from {{ ref('int_exceptions__job_unmatched') }}
),

final as (
    select
        {{ exception_id() }} as exception_id,
        exception_type,
        severity,
        case exception_type
            when 'payment_status_drift' then 'ar_reconciliation'
            when 'double_billed' then 'ar_reconciliation'
            when 'changed_after_posting' then 'ar_reconciliation'
            when 'customer_unmatched' then 'ar_reconciliation'
            when 'unmapped_pricebook_item' then 'mapping_drift_review'
            when 'job_unmatched' then 'mapping_drift_review'
            when 'mapping_to_missing_phase' then 'mapping_drift_review'
            when 'mapping_drift' then 'mapping_drift_review'
            when 'routing_ambiguous' then 'aia_routing_review'
            when 'retainage_mismatch' then 'retainage_reconciliation'
            when 'compliance_lapsed_assignment' then 'sub_compliance_audit'
            when 'payroll_timing_gap' then 'payroll_to_job_cost'
            when 'unbilled_work' then 'job_profitability_and_wip'
        end as close_step,
        occurred_on,
        {% for column in exception_key_columns() %}{{ column }},
        {% endfor %}buildops_value,
        spectrum_value,
        amount_at_stake,
        description
    from all_exceptions
)

select * from final
