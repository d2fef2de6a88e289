-- The issued invoice lines of both tenants as FOCUS 1.2 CostAndUsage rows, for `iaas-billing export focus`:
-- one row per line x resource (int_focus_charge_shares: the resource's exact share of the line, from the lineage
-- frozen with the line) and one ChargeCategory 'Adjustment' row per line for the line's single rounding, so the
-- BilledCost of a line's rows sums exactly to the issued amount; a line without lineage is one row without a
-- resource. Prices are the public catalogue's, with no negotiated discount or commitment, so list, contracted,
-- effective and billed cost are all the row's amount. Every resource row is Usage (nothing sold covers future
-- charges; an annual term is Recurring, a one-time fee One-Time); an adjustment line's rows are Corrections of
-- the period it adjusts (their ChargePeriod), billed in the invoice's period (their BillingPeriod). Each SO
-- invoice's tax groups (fct_invoice_taxes) are ChargeCategory 'Tax' rows of their own, so an invoice's rows sum to
-- its gross amount and its Usage and Adjustment rows to its net (rules §9). See docs/finance.md for the one rule
-- focus-validator 2.2.1 reports (InvoiceId-C-004-C) and why.
with invoice_lines as (
    select * from {{ ref('fct_invoice_lines') }}
),

invoice_taxes as (
    select * from {{ ref('fct_invoice_taxes') }}
),

shares as (
    select * from {{ ref('int_focus_charge_shares') }}
),

resources as (
    select * from {{ ref('dim_resources') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

skus as (
    select * from {{ ref('int_skus_resolved') }}
),

sku_units as (
    select * from {{ ref('int_skus_focus_units') }}
),

described as (
    select
        invoice_lines.*,
        shares.share_kind,
        shares.resource_id,
        shares.amount as share_amount,
        shares.quantity as share_quantity,
        shares.share_kind = 'rounding' as is_rounding,
        resources.resource_type,
        accounts.account_name,
        skus.product_name,
        skus.category,
        skus.unit,
        coalesce(invoice_lines.adjusted_period, invoice_lines.billing_period) as charge_period,
        -- FOCUS's Unit Format (int_skus_focus_units); a unit it cannot normalise is exported as given
        sku_units.focus_unit as pricing_unit
    from invoice_lines
    inner join shares
        on
            invoice_lines.invoice_id = shares.invoice_id
            and invoice_lines.line_number = shares.line_number
            -- also on the filter columns of `export focus`, so that its filter reaches the shares
            and invoice_lines.tenant = shares.tenant
            and invoice_lines.billing_period = shares.billing_period
    left join resources on shares.resource_id = resources.resource_id
    left join accounts on invoice_lines.account_id = accounts.account_id
    left join skus on invoice_lines.sku = skus.sku
    left join sku_units on invoice_lines.sku = sku_units.sku
),

charges as (
    select
        tenant,
        billing_period,
        invoice_id as "InvoiceId",
        share_amount as "BilledCost",
        share_amount as "EffectiveCost",
        share_amount as "ListCost",
        share_amount as "ContractedCost",
        case when not is_rounding then unit_price end as "ListUnitPrice",
        case when not is_rounding then unit_price end as "ContractedUnitPrice",
        account_id as "BillingAccountId",
        account_name as "BillingAccountName",
        currency as "BillingCurrency",
        billing_period::timestamp at time zone 'UTC' as "BillingPeriodStart",
        (billing_period + interval '1 month')::timestamp at time zone 'UTC' as "BillingPeriodEnd",
        charge_period::timestamp at time zone 'UTC' as "ChargePeriodStart",
        (charge_period + interval '1 month')::timestamp at time zone 'UTC' as "ChargePeriodEnd",
        case when is_rounding then 'Adjustment' else 'Usage' end as "ChargeCategory",
        case when adjusted_period is not null then 'Correction' end as "ChargeClass",
        product_name
        || case when rate_kind = 'idle' then ' (idle rate)' else '' end
        || case
            when adjusted_period is not null then ' - correction of ' || to_char(adjusted_period, 'YYYY-MM')
            else ''
        end
        || case when is_rounding then ' - rounding of invoice line ' || line_number else '' end
            as "ChargeDescription",
        case charge_type
            when 'hourly' then 'Usage-Based'
            when 'one_time' then 'One-Time'
            else 'Recurring'
        end as "ChargeFrequency",
        share_quantity as "ConsumedQuantity",
        case when not is_rounding then pricing_unit end as "ConsumedUnit",
        share_quantity as "PricingQuantity",
        case when not is_rounding then pricing_unit end as "PricingUnit",
        case when not is_rounding then 'Standard' end as "PricingCategory",
        'IaaS Billing Platform' as "InvoiceIssuerName",
        'IaaS Billing Platform' as "ProviderName",
        'IaaS Billing Platform' as "PublisherName",
        resource_id as "ResourceId",
        null::text as "ResourceName",
        case when resource_id is not null then coalesce(resource_type, 'unknown') end as "ResourceType",
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
        case
            when not is_rounding then sku || ':' || currency || ':' || rate_kind || ':' || unit_price::text
        end as "SkuPriceId",
        tenant as "x_Tenant",
        line_number as "x_InvoiceLineNumber",
        charge_type as "x_ChargeType",
        rate_kind as "x_RateKind",
        adjusted_period as "x_AdjustedPeriod",
        null::numeric as "x_TaxRate",
        null::numeric as "x_TaxableAmount",
        null::boolean as "x_IsReverseCharge"
    from described
),

-- One row per issued invoice and tax group, with no SKU, price, quantity or resource (FOCUS 1.2 wants them null
-- on Tax rows). The tax is the invoice's, charged in its own period even where it taxes an adjustment line.
taxes as (
    select
        'SO'::text as tenant,
        invoice_taxes.billing_period,
        invoice_taxes.invoice_id as "InvoiceId",
        invoice_taxes.tax_amount as "BilledCost",
        invoice_taxes.tax_amount as "EffectiveCost",
        invoice_taxes.tax_amount as "ListCost",
        invoice_taxes.tax_amount as "ContractedCost",
        null::numeric as "ListUnitPrice",
        null::numeric as "ContractedUnitPrice",
        invoice_taxes.account_id as "BillingAccountId",
        accounts.account_name as "BillingAccountName",
        invoice_taxes.currency as "BillingCurrency",
        invoice_taxes.billing_period::timestamp at time zone 'UTC' as "BillingPeriodStart",
        (invoice_taxes.billing_period + interval '1 month')::timestamp at time zone 'UTC' as "BillingPeriodEnd",
        invoice_taxes.billing_period::timestamp at time zone 'UTC' as "ChargePeriodStart",
        (invoice_taxes.billing_period + interval '1 month')::timestamp at time zone 'UTC' as "ChargePeriodEnd",
        'Tax' as "ChargeCategory",
        null::text as "ChargeClass",
        case
            when invoice_taxes.is_reverse_charge
                then
                    invoice_taxes.tax_name || ' reverse charge on ' || invoice_taxes.invoice_id
                    || ': the customer accounts for the tax'
            else
                invoice_taxes.tax_name || ' ' || trim_scale(invoice_taxes.rate * 100)::text || ' % on '
                || invoice_taxes.invoice_id
        end as "ChargeDescription",
        'One-Time' as "ChargeFrequency",
        null::numeric as "ConsumedQuantity",
        null::text as "ConsumedUnit",
        null::numeric as "PricingQuantity",
        null::text as "PricingUnit",
        null::text as "PricingCategory",
        'IaaS Billing Platform' as "InvoiceIssuerName",
        'IaaS Billing Platform' as "ProviderName",
        'IaaS Billing Platform' as "PublisherName",
        null::text as "ResourceId",
        null::text as "ResourceName",
        null::text as "ResourceType",
        'Other' as "ServiceCategory",
        'Other (Other)' as "ServiceSubcategory",
        'Tax' as "ServiceName",
        null::text as "SkuId",
        null::text as "SkuPriceId",
        'SO'::text as "x_Tenant",
        null::integer as "x_InvoiceLineNumber",
        null::text as "x_ChargeType",
        null::text as "x_RateKind",
        null::date as "x_AdjustedPeriod",
        invoice_taxes.rate as "x_TaxRate",
        invoice_taxes.taxable_amount as "x_TaxableAmount",
        invoice_taxes.is_reverse_charge as "x_IsReverseCharge"
    from invoice_taxes
    left join accounts on invoice_taxes.account_id = accounts.account_id
),

final as (
    select * from charges
    union all
    select * from taxes
)

select * from final
