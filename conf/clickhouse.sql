-- The click history in ClickHouse: the table `reach ship` fills, and the SQL
-- that reproduces reach's leaderboards from it.  Checked against ClickHouse
-- 18.16 (Debian 12's) by tests/integration/test_ship.py; newer versions
-- take it as it is.
--
--   clickhouse-client --multiquery < conf/clickhouse.sql   (the CREATEs)
--   reach ship --clickhouse http://127.0.0.1:8123 --table redirectd.clicks \
--              --db /var/lib/redirectd/db /var/lib/redirectd/log
--
-- One row per click record.  A record is named by its segment file (the
-- base name, unique across nodes: NODE.TIME.wN.clk) and its position in it
-- (0 for the first record after the header); names of the colleague, team,
-- campaign and the link's code are the store's at ship time.
--
-- Counting each record once.  reach ship remembers how far it got, but a
-- batch ClickHouse accepted just before a crash is shipped again by the
-- next run.  The table is a ReplacingMergeTree whose sorting key ends in
-- (segment, position): the two copies of a record are collapsed into one
-- when their parts merge, and a query with FINAL sees one row per record
-- even before that.  Every query below reads `clicks FINAL`; a query that
-- leaves FINAL out can count a re-shipped record twice until the merge.
-- (Everything before segment in the key is a function of the record, so
-- copies always share the whole key and the month's partition.)
--
-- Ordered by campaign, then colleague: a campaign's leaderboard and one
-- colleague's history read a narrow range of each part.

CREATE DATABASE IF NOT EXISTS redirectd;

CREATE TABLE IF NOT EXISTS redirectd.clicks (
    segment     String,                 -- segment file name
    position    UInt64,                 -- record number in it, from 0
    node        String,                 -- the segment header's node
    time        DateTime('UTC'),        -- whole seconds
    time_us     UInt64,                 -- microseconds since the epoch
    link_id     UInt32,
    code        String,                 -- '' when the store does not know the link
    staff_id    UInt32,                 -- 0: a click on a code the store did not know
    staff       String,                 -- handle; '' when not in the store
    name        String,
    team        String,
    campaign_id UInt32,                 -- 0: no campaign
    campaign    String,
    class       Enum8('unknown' = 0, 'human' = 1, 'preview' = 2,
                      'crawler' = 3, 'tool' = 4, 'probe' = 5),
    platform    Enum8('unknown' = 0, 'none' = 1, 'other' = 2, 'x' = 3,
                      'facebook' = 4, 'linkedin' = 5, 'instagram' = 6,
                      'bluesky' = 7, 'mastodon' = 8, 'threads' = 9,
                      'reddit' = 10, 'youtube' = 11, 'tiktok' = 12,
                      'email' = 13),
    country     String,                 -- ISO 3166 alpha-2, '' unknown
    referrer    String,                 -- the referrer's host
    visitor     UInt64,                 -- pseudonymous visitor id, 0 unknown
    status      UInt16,
    internal    UInt8,                  -- client in internal_networks
    head        UInt8,                  -- a HEAD request
    ip          String,                 -- per ip_log: '' (none), a /24 or /48, an address
    click       String                  -- the click id the redirect handed the target
                                        -- site (16 characters), '' when it carried none
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (campaign_id, staff_id, segment, position);

-- A table made before click ids has no `click`, and ClickHouse refuses
-- reach ship's inserts until it has (reach ship says so).  Once, by hand
-- (18.16 has no ADD COLUMN IF NOT EXISTS; the rows shipped before read ''):
--   ALTER TABLE redirectd.clicks ADD COLUMN click String

-- A target site's conversions (signatures, sign-ups, donations), shaped
-- like the CSV reach --conversions reads, to join on `click`.  Load a
-- site's export with its columns named in the file's order (18.16 skips
-- the header line without matching it by name; a column the table lacks
-- must be cut out first), ISO 8601 times read by best_effort:
--   clickhouse-client --date_time_input_format=best_effort --query \
--     'INSERT INTO redirectd.conversions (time, click, event, id) FORMAT CSVWithNames' \
--     < signatures.csv
-- (best_effort misreads Unix seconds: load a file of those without it.)
-- A file loaded again counts once with FINAL, as in reach: rows with an
-- `id` are one row per id, rows without one per identical row; hence the
-- key, and no partitions (FINAL does not collapse across them).
CREATE TABLE IF NOT EXISTS redirectd.conversions (
    time        DateTime('UTC'),        -- whole seconds
    click       String,                 -- the click id; '' in rows by handle
    staff       String,                 -- handle (staff or utm_content), rows without a click id
    campaign    String,
    event       String,                 -- signature, signup, donation, ...
    value       Decimal(18, 6),         -- an amount (reach reads up to 6 decimals); 0 when none
    id          String                  -- the site's own row id; '' when it has none
) ENGINE = ReplacingMergeTree
ORDER BY (id, if(id = '', click, ''), if(id = '', staff, ''),
          if(id = '', campaign, ''), if(id = '', event, ''),
          if(id = '', time, toDateTime(0, 'UTC')),
          if(id = '', value, toDecimal64(0, 6)));

-- What reach counts, in SQL:
--   clicks    human records, internal ones left out (--include-internal:
--             drop "AND internal = 0" from clicks and visitors)
--   visitors  distinct non-zero visitor ids among those clicks
--   bots      every other class: previews, crawlers, tools, probes (every
--             HEAD), unknown
--   internal  human records from internal_networks
--   rank      competition rank on (visitors, clicks): ties share it and
--             the next one skips ("1,2,2,4"); rows sorted by rank, then key.
--             Without window functions (18.16): the groups sorted by
--             (visitors, clicks) descending, a group's rank is its place i
--             in that order less its place u among equal pairs, plus one.
--             (A lambda comparing each group with all, or indexOf, copies
--             the whole array per group: quadratic memory.)
-- reach lists colleagues and campaigns of the store that have no record at
-- all as zero rows at the end; a table of clicks has no such rows.

-- reach --by staff
SELECT
    i - u + 1 AS rank,
    r.3 AS staff, r.4 AS name, r.5 AS team, r.2 AS clicks, r.1 AS visitors,
    r.6 AS bots, r.7 AS previews, r.8 AS crawlers, r.9 AS tools,
    r.10 AS probes, r.11 AS internal
FROM (
    SELECT arrayReverseSort(groupArray((n_visitors, n_clicks, key, s_name, s_team, n_bots,
                       n_previews, n_crawlers, n_tools, n_probes, n_internal))) AS rows
    FROM (
        SELECT
            multiIf(staff_id = 0, '(none)',
                    argMax(staff, time_us) = '', concat('#', toString(staff_id)),
                    argMax(staff, time_us)) AS key,
            argMax(name, time_us) AS s_name,
            argMax(team, time_us) AS s_team,
            countIf(class = 'human' AND internal = 0) AS n_clicks,
            uniqExactIf(visitor, class = 'human' AND internal = 0
                                 AND visitor != 0) AS n_visitors,
            countIf(class != 'human') AS n_bots,
            countIf(class = 'preview') AS n_previews,
            countIf(class = 'crawler') AS n_crawlers,
            countIf(class = 'tool') AS n_tools,
            countIf(class = 'probe') AS n_probes,
            countIf(class = 'human' AND internal = 1) AS n_internal
        FROM redirectd.clicks FINAL
        GROUP BY staff_id
    )
)
ARRAY JOIN rows AS r, arrayEnumerate(rows) AS i,
           arrayEnumerateUniq(arrayMap(x -> (x.1, x.2), rows)) AS u
ORDER BY rank,       -- then the key; ids without a name ("#12") by number
    substring(staff, 1, 1) = '#' ? '#' : staff, toUInt32OrZero(substring(staff, 2));

-- reach --by campaign
SELECT
    i - u + 1 AS rank,
    r.3 AS campaign, r.2 AS clicks, r.1 AS visitors, r.4 AS bots,
    r.5 AS previews, r.6 AS crawlers, r.7 AS tools, r.8 AS probes,
    r.9 AS internal
FROM (
    SELECT arrayReverseSort(groupArray((n_visitors, n_clicks, key, n_bots, n_previews, n_crawlers,
                       n_tools, n_probes, n_internal))) AS rows
    FROM (
        SELECT
            multiIf(campaign_id = 0, '(none)',
                    argMax(campaign, time_us) = '', concat('#', toString(campaign_id)),
                    argMax(campaign, time_us)) AS key,
            countIf(class = 'human' AND internal = 0) AS n_clicks,
            uniqExactIf(visitor, class = 'human' AND internal = 0
                                 AND visitor != 0) AS n_visitors,
            countIf(class != 'human') AS n_bots,
            countIf(class = 'preview') AS n_previews,
            countIf(class = 'crawler') AS n_crawlers,
            countIf(class = 'tool') AS n_tools,
            countIf(class = 'probe') AS n_probes,
            countIf(class = 'human' AND internal = 1) AS n_internal
        FROM redirectd.clicks FINAL
        GROUP BY campaign_id
    )
)
ARRAY JOIN rows AS r, arrayEnumerate(rows) AS i,
           arrayEnumerateUniq(arrayMap(x -> (x.1, x.2), rows)) AS u
ORDER BY rank,       -- then the key; ids without a name ("#12") by number
    substring(campaign, 1, 1) = '#' ? '#' : campaign, toUInt32OrZero(substring(campaign, 2));

-- reach --by day (UTC days; for reach --tz ZONE write toDate(time, 'ZONE'))
SELECT
    i - u + 1 AS rank,
    r.3 AS day, r.2 AS clicks, r.1 AS visitors, r.4 AS bots,
    r.5 AS previews, r.6 AS crawlers, r.7 AS tools, r.8 AS probes,
    r.9 AS internal
FROM (
    SELECT arrayReverseSort(groupArray((n_visitors, n_clicks, day, n_bots, n_previews, n_crawlers,
                       n_tools, n_probes, n_internal))) AS rows
    FROM (
        SELECT
            toString(toDate(time, 'UTC')) AS day,
            countIf(class = 'human' AND internal = 0) AS n_clicks,
            uniqExactIf(visitor, class = 'human' AND internal = 0
                                 AND visitor != 0) AS n_visitors,
            countIf(class != 'human') AS n_bots,
            countIf(class = 'preview') AS n_previews,
            countIf(class = 'crawler') AS n_crawlers,
            countIf(class = 'tool') AS n_tools,
            countIf(class = 'probe') AS n_probes,
            countIf(class = 'human' AND internal = 1) AS n_internal
        FROM redirectd.clicks FINAL
        GROUP BY day
    )
)
ARRAY JOIN rows AS r, arrayEnumerate(rows) AS i,
           arrayEnumerateUniq(arrayMap(x -> (x.1, x.2), rows)) AS u
-- in time order, each with its rank, as reach lists days
ORDER BY day;

-- Conversions by colleague and platform, as reach --conversions credits
-- click-id rows: to the click the row names, when it came within 30 days
-- after it (--conversion-window; here to the second), and only a human's
-- click from outside internal_networks (a conversion after a bot's,
-- preview's or colleague's own click is not a colleague's outcome).
-- Rows by handle and ids of no click shipped are left out.  Only some
-- events: AND event = 'signature' in the first subquery.
SELECT staff, platform, count() AS conversions,
       sum(value) AS conversion_value
FROM (
    SELECT click, time AS conv_time, value
    FROM redirectd.conversions FINAL
    WHERE click != ''
)
ALL INNER JOIN (
    SELECT click, time AS click_time, staff, platform, class, internal
    FROM redirectd.clicks FINAL
    WHERE click != ''
) USING click
WHERE conv_time >= click_time AND conv_time <= click_time + 30 * 86400
  AND class = 'human' AND internal = 0
GROUP BY staff, platform
ORDER BY conversions DESC, staff, platform;
