with accounts as (
    select * from {{ ref('int_accounts_resolved') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

final as (
    select
        accounts.account_id,
        accounts.account_name,
        accounts.country,
        accounts.currency,
        currencies.minor_units,
        accounts.created_at,
        accounts.has_currency_change
    from accounts
    left join currencies on accounts.currency = currencies.currency
)

select * from final
