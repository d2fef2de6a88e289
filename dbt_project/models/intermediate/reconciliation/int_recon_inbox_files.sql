-- Every version of every inbox file, with the business date its name stands for and whether a
-- newer version of the same name exists. For snapshot feeds (a day's control totals or primary
-- billing, a month's finance posting or fx rates) the landing moves an older version's rows out
-- of raw when a newer one lands, so the latest version is the one in force.
with inbox_files as (
    select * from {{ ref('stg_inbox__inbox_files') }}
),

named as (
    select
        *,
        coalesce(
            substring(file_name from '^(?:orders|accounts|orderstream_control|primary_billing|catalog|tax_rates|sales_entities)_(\d{8})'),
            substring(file_name from '^(?:finance_gl|fx_rates)_(\d{6})\.') || '01'
        ) as name_digits
    from inbox_files
),

dated as (
    select
        *,
        -- a name whose digits are no calendar date gives null, never an error
        case
            when name_digits ~ '^\d{4}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$'
                then
                    case
                        when
                            substring(name_digits, 7, 2)::int <= extract(
                                day from make_date(left(name_digits, 4)::int, substring(name_digits, 5, 2)::int, 1)
                                + interval '1 month' - interval '1 day'
                            )
                            then make_date(
                                left(name_digits, 4)::int,
                                substring(name_digits, 5, 2)::int,
                                substring(name_digits, 7, 2)::int
                            )
                    end
        end as business_date
    from named
),

versions as (
    select
        dated.*,
        -- the landing's statuses (iaas_billing.landing): landed, landed_with_quarantine,
        -- quarantined (every row quarantined), rejected (a catalogue, all or nothing), unknown_kind
        dated.status in ('landed', 'landed_with_quarantine') as is_loaded,
        dated.status in ('rejected', 'unknown_kind') as is_rejected,
        dated.file_kind in ('control', 'primary_billing', 'finance_gl', 'fx_rates') as is_snapshot_feed,
        exists(
            select 1
            from dated as newer
            where
                newer.file_name = dated.file_name
                and newer.file_version > dated.file_version
        ) as is_superseded
    from dated
),

final as (
    select
        file_id,
        file_name,
        file_kind,
        business_date,
        file_version,
        status,
        detail,
        rows_read,
        rows_loaded,
        rows_quarantined,
        delivered_at,
        processed_at,
        is_loaded,
        is_rejected,
        is_snapshot_feed,
        is_superseded,
        not is_superseded as is_in_force
    from versions
)

select * from final
