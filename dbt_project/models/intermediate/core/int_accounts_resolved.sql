-- One row per account. Country and currency are fixed for life (rules §1.1): the first
-- landed snapshot row stands; later rows that change the currency are reported, never applied.
-- Name, tax_id and payment terms come from the latest row (rules §9: no terms given means 30 days).
with accounts as (
    select * from {{ ref('stg_inbox__accounts') }}
),

ranked as (
    select
        *,
        row_number() over (partition by account_id order by file_id, line_number) as landing_rank,
        row_number() over (partition by account_id order by file_id desc, line_number desc) as recency_rank
    from accounts
),

first_seen as (
    select
        account_id,
        country,
        currency,
        created_at,
        file_id as first_file_id
    from ranked
    where landing_rank = 1
),

latest as (
    select
        account_id,
        account_name,
        tax_id,
        coalesce(payment_terms_days, 30) as payment_terms_days
    from ranked
    where recency_rank = 1
),

currency_changes as (
    select
        accounts.account_id,
        count(*) as changed_row_count
    from accounts
    inner join first_seen on accounts.account_id = first_seen.account_id
    where accounts.currency <> first_seen.currency
    group by accounts.account_id
),

final as (
    select
        first_seen.account_id,
        latest.account_name,
        latest.tax_id,
        latest.payment_terms_days,
        first_seen.country,
        first_seen.currency,
        first_seen.created_at,
        first_seen.first_file_id,
        coalesce(currency_changes.changed_row_count, 0) > 0 as has_currency_change
    from first_seen
    inner join latest on first_seen.account_id = latest.account_id
    left join currency_changes on first_seen.account_id = currency_changes.account_id
)

select * from final
