-- Each SKU's unit in FOCUS 1.2's Unit Format (PricingUnit, ConsumedUnit): the catalogue's unit, written the
-- informal ways ("GB-hour", "vcpu/hr", "licence-month", "instances", "per hour"), read as at most one base unit
-- and at most one time unit (last), the time unit coming from the charge type where the unit has none:
-- `<Singular>-<Plural time>` ("GB-Hours") for hourly/monthly/annual SKUs, `<Plurals>` for one-time ones.
-- Words are spelled by the seed focus_base_units (data sizes, time units, acronyms); any other word is a
-- count unit, singular and capitalised. A unit that does not read so (several nouns, digits, a time unit
-- that contradicts the charge type, nothing at all) is not normalised: it is exported as given and is a
-- data-quality break (`unnormalised_unit`, int_recon_dq_issues).

with skus as (
    select * from {{ ref('int_skus_resolved') }}
),

base_units as (
    select * from {{ ref('focus_base_units') }}
),

-- "per" and every separator (space, hyphen, slash, dot...) split the unit into words
tokens as (
    select
        skus.sku,
        words.word,
        words.word_position
    from skus
    cross join
        lateral unnest(
            regexp_split_to_array(
                btrim(regexp_replace(lower(coalesce(skus.unit, '')), '\mper\M|[^a-z0-9]+', ' ', 'g')), ' +'
            )
        ) with ordinality as words (word, word_position)
    where words.word <> ''
),

-- a word the seed does not spell: an English plural made singular, if it is letters only
generic as (
    select
        sku,
        word,
        word_position,
        case
            when word !~ '^[a-z]+$' then null
            when word ~ '[^aeiou]ies$' then left(word, -3) || 'y'
            when word ~ '[^su]s$' and length(word) > 3 then left(word, -1)
            else word
        end as singular
    from tokens
),

words as (
    select
        generic.sku,
        generic.word_position,
        coalesce(exact.unit_kind, stripped.unit_kind, case when generic.singular is not null then 'count' end)
            as unit_kind,
        coalesce(
            exact.focus_singular,
            stripped.focus_singular,
            upper(left(generic.singular, 1)) || substr(generic.singular, 2)
        ) as focus_singular,
        coalesce(
            exact.focus_plural,
            stripped.focus_plural,
            upper(left(generic.singular, 1))
            || case
                when generic.singular ~ '[^aeiou]y$' then substr(generic.singular, 2, length(generic.singular) - 2) || 'ies'
                when generic.singular ~ '(s|x|z|ch|sh)$' then substr(generic.singular, 2) || 'es'
                else substr(generic.singular, 2) || 's'
            end
        ) as focus_plural
    from generic
    left join base_units as exact on generic.word = exact.given
    left join base_units as stripped on generic.word = stripped.given || 's'
),

parsed as (
    select
        sku,
        count(*) filter (where unit_kind is null) as unknown_count,
        count(*) filter (where unit_kind <> 'time') as noun_count,
        count(*) filter (where unit_kind = 'time') as time_count,
        max(word_position) as last_position,
        max(word_position) filter (where unit_kind = 'time') as time_position,
        max(focus_singular) filter (where unit_kind <> 'time') as noun_singular,
        max(focus_plural) filter (where unit_kind <> 'time') as noun_plural,
        max(focus_singular) filter (where unit_kind = 'time') as unit_time,
        max(focus_plural) filter (where unit_kind = 'time') as unit_time_plural
    from words
    group by sku
),

checked as (
    select
        skus.sku,
        skus.unit,
        skus.charge_type,
        skus.file_id,
        skus.line_number,
        parsed.noun_count,
        parsed.noun_singular,
        parsed.noun_plural,
        parsed.unit_time_plural,
        case skus.charge_type
            when 'hourly' then 'Hour'
            when 'monthly' then 'Month'
            when 'annual' then 'Year'
        end as charge_time,
        case skus.charge_type
            when 'hourly' then 'Hours'
            when 'monthly' then 'Months'
            when 'annual' then 'Years'
        end as charge_time_plural,
        coalesce(
            parsed.unknown_count = 0
            and parsed.noun_count <= 1
            and parsed.time_count <= 1
            and parsed.noun_count + parsed.time_count >= 1
            and (parsed.time_count = 0 or parsed.time_position = parsed.last_position),
            false
        ) as is_readable,
        parsed.unit_time
    from skus
    left join parsed on skus.sku = parsed.sku
),

judged as (
    select
        *,
        is_readable and (unit_time is null or charge_time is null or unit_time = charge_time) as is_normalised
    from checked
),

final as (
    select
        sku,
        unit,
        charge_type,
        case
            when not is_normalised then unit
            when noun_count = 1 and coalesce(charge_time_plural, unit_time_plural) is not null
                then noun_singular || '-' || coalesce(charge_time_plural, unit_time_plural)
            when noun_count = 1 then noun_plural
            else unit_time_plural
        end as focus_unit,
        is_normalised,
        file_id,
        line_number
    from judged
)

select * from final
