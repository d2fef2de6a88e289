-- The issued invoice lines of both tenants as FOCUS 1.2 CostAndUsage rows (one row per line), for
-- `iaas-billing export focus`. Prices are the public catalogue's, with no negotiated discount or
-- commitment, so list, contracted, effective and billed cost are all the line's amount. Every line
-- is Usage (nothing sold covers future charges; an annual term is Recurring, a one-time fee One-Time);
-- an adjustment line is a Correction of the period it adjusts (its ChargePeriod), billed in the
-- invoice's period (its BillingPeriod). See docs/finance.md for
-- the one rule focus-validator 2.2.1 reports (InvoiceId-C-004-C).
with invoice_lines as (
    select * from {{ ref('fct_invoice_lines') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

skus as (
    select * from {{ ref('int_skus_resolved') }}
),

described as (
    select
        invoice_lines.*,
        accounts.account_name,
        skus.product_name,
        skus.category,
        skus.unit,
        coalesce(invoice_lines.adjusted_period, invoice_lines.billing_period) as charge_period,
        case invoice_lines.charge_type
            when 'hourly' then skus.unit || '-Hours'
            when 'monthly' then skus.unit || '-Months'
            when 'annual' then skus.unit || '-Years'
            else skus.unit
        end as pricing_unit
    from invoice_lines
    left join accounts on invoice_lines.account_id = accounts.account_id
    left join skus on invoice_lines.sku = skus.sku
),

final as (
    select
        tenant,
        billing_period,
        invoice_id as "InvoiceId",
        amount as "BilledCost",
        amount as "EffectiveCost",
        amount as "ListCost",
        amount as "ContractedCost",
        unit_price as "ListUnitPrice",
        unit_price as "ContractedUnitPrice",
        account_id as "BillingAccountId",
        account_name as "BillingAccountName",
        currency as "BillingCurrency",
        billing_period::timestamp at time zone 'UTC' as "BillingPeriodStart",
        (billing_period + interval '1 month')::timestamp at time zone 'UTC' as "BillingPeriodEnd",
        charge_period::timestamp at time zone 'UTC' as "ChargePeriodStart",
        (charge_period + interval '1 month')::timestamp at time zone 'UTC' as "ChargePeriodEnd",
        'Usage' as "ChargeCategory",
        case when adjusted_period is not null then 'Correction' end as "ChargeClass",
        product_name
        || case when rate_kind = 'idle' then ' (idle rate)' else '' end
        || case
            when adjusted_period is not null then ' - correction of ' || to_char(adjusted_period, 'YYYY-MM')
            else ''
        end as "ChargeDescription",
        case charge_type
            when 'hourly' then 'Usage-Based'
            when 'one_time' then 'One-Time'
            else 'Recurring'
        end as "ChargeFrequency",
        quantity as "ConsumedQuantity",
        pricing_unit as "ConsumedUnit",
        quantity as "PricingQuantity",
        pricing_unit as "PricingUnit",
        'Standard' as "PricingCategory",
        'IaaS Billing Platform' as "InvoiceIssuerName",
        'IaaS Billing Platform' as "ProviderName",
        'IaaS Billing Platform' as "PublisherName",
        null::text as "ResourceId",
        null::text as "ResourceName",
        null::text as "ResourceType",
        case category
            when 'compute' then 'Compute'
            when 'memory' then 'Compute'
            when 'cluster' then 'Compute'
            when 'storage' then 'Storage'
            when 'network' then 'Networking'
            when 'load_balancer' then 'Networking'
            when 'database' then 'Databases'
            when 'high_availability' then 'Management and Governance'
            when 'support' then 'Management and Governance'
            else 'Other'
        end as "ServiceCategory",
        case category
            when 'compute' then 'Virtual Machines'
            when 'memory' then 'Virtual Machines'
            when 'cluster' then 'Containers'
            when 'storage' then 'Block Storage'
            when 'network' then 'Network Connectivity'
            when 'load_balancer' then 'Application Networking'
            when 'database' then 'Relational Databases'
            when 'high_availability' then 'Disaster Recovery'
            when 'support' then 'Support'
            else 'Other (Other)'
        end as "ServiceSubcategory",
        initcap(replace(category, '_', ' ')) as "ServiceName",
        sku as "SkuId",
        sku || ':' || currency || ':' || rate_kind || ':' || unit_price::text as "SkuPriceId",
        tenant as "x_Tenant",
        charge_type as "x_ChargeType",
        rate_kind as "x_RateKind",
        adjusted_period as "x_AdjustedPeriod"
    from described
)

select * from final
