-- Manifest profiles and tape.build_manifest on generated events: the profiles and their
-- errors, every rule of the selection (caps, cool-down, quotas, time buckets, filters, score
-- cut-off), merged windows, extension, determinism, the dry run that changes nothing, and the
-- capture plan in both regimes.
\i test/regress/setup.sql
SELECT regress.make_server('manifest', 'tag=manifest');
SET tape.progress_interval = 0;
\set SHOW_CONTEXT never
TRUNCATE tape.events_intraday, tape.events_daily, tape.bars_1m, tape.bars_1d, tape.manifest, tape.manifest_windows,
         tape.manifest_builds, tape.stored_profiles, tape.tick_windows, tape.work_queue, tape.refresh_runs, tape.settings;
UPDATE tape.configuration SET value = 'manifest' WHERE name = 'foreign_schema';

-- the profiles: three built in, from DESIGN.md section 6
SELECT profile, max_events, max_per_ticker, max_per_ticker_day, window_before, window_after, quotes_per_second,
       min_bar_dollar_volume, max_spread_pct, min_score_percentile, cooldown, merge_gap, extend_percentile,
       extended_before, extended_after, capture_daily, builtin, changed
  FROM tape.profiles ORDER BY max_events;
SELECT type_quotas, bucket_minimums FROM tape.profiles WHERE profile = 'core';
SELECT key, value FROM tape.profiles, jsonb_each(daily_windows) WHERE profile = 'core' ORDER BY value::text::int, key;
SELECT tape.event_types('intraday');
SELECT * FROM tape.time_buckets();
SELECT ts, tape.event_bucket(ts) FROM unnest(ARRAY['2024-03-04 04:00', '2024-03-04 09:29:59', '2024-03-04 09:30',
       '2024-03-04 10:29', '2024-03-04 10:30', '2024-03-04 14:59', '2024-03-04 15:00', '2024-03-04 16:00',
       '2024-03-04 19:59', '2024-03-04 20:00', '2024-11-29 12:30', '2024-11-29 13:00', '2024-03-09 12:00']::timestamptz[]) ts;

-- a profile of one's own: a copy, then changed; built-in ones can be changed and put back
SELECT tape.copy_profile('core', 'mine');
UPDATE tape.profiles SET max_events = 500, quotes_per_second = 0 WHERE profile = 'mine';
UPDATE tape.profiles SET max_events = 12000 WHERE profile = 'core';
SELECT profile, max_events, description, builtin, changed FROM tape.profiles ORDER BY profile;
SELECT profile, max_events FROM tape.stored_profiles ORDER BY profile;
UPDATE tape.profiles SET max_events = 10000 WHERE profile = 'core';  -- the default again: nothing stored
SELECT profile FROM tape.stored_profiles ORDER BY profile;
UPDATE tape.profiles SET max_events = 11000 WHERE profile = 'core';
DELETE FROM tape.profiles WHERE profile = 'core';
SELECT max_events, changed FROM tape.profiles WHERE profile = 'core';
DELETE FROM tape.profiles WHERE profile = 'plus';  -- ERROR
UPDATE tape.profiles SET profile = 'core2' WHERE profile = 'core';  -- ERROR
UPDATE tape.profiles SET profile = 'mine2' WHERE profile = 'mine';
INSERT INTO tape.profiles (profile, max_events, window_before, window_after) VALUES ('mine2', 1, '1 min', '1 min');  -- ERROR
INSERT INTO tape.profiles (profile, max_events, window_before, window_after) VALUES ('tiny', 1, '1 min', '2 min');
SELECT profile, max_events, max_per_ticker, window_before, window_after, quotes_per_second, min_bar_dollar_volume,
       min_score_percentile, cooldown, merge_gap, capture_daily, max_daily_events FROM tape.profiles WHERE profile = 'tiny';
DELETE FROM tape.profiles WHERE profile IN ('tiny', 'mine2');
SELECT tape.profile('nope');  -- ERROR

-- every rule of a profile, checked
SELECT tape.copy_profile('core', 'bad');
UPDATE tape.profiles SET profile = 'Bad' WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET max_events = 0 WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET max_per_ticker = 0 WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET max_per_ticker_day = 4 WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET window_before = '-1 minute' WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET window_after = '0' WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET window_after = '17 hours' WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET quotes_per_second = -5 WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET min_bar_dollar_volume = -1 WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET max_spread_pct = 0 WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET min_score_percentile = 100 WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET type_quotas = '{"volume_spike": 0.5, "vwap_break": 0.6}' WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET type_quotas = '{"volume_spikes": 0.5}' WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET type_quotas = '{"volume_spike": 0}' WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET type_quotas = '{"volume_spike": "half"}' WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET type_quotas = '[0.5]' WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET bucket_minimums = '{"lunch": 0.1}' WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET bucket_minimums = '{"PM": 1.5}' WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET cooldown = '-10 minutes' WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET merge_gap = '1 day' WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET extend_percentile = 100 WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET extended_before = '1 minute' WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET extended_after = NULL WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET max_daily_events = -1 WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET daily_windows = '{"E12_moon_shot": 2}' WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET daily_windows = '{"E1_volume_explosion": 11}' WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET daily_windows = '{"E1_volume_explosion": 1.5}' WHERE profile = 'bad';  -- ERROR
UPDATE tape.profiles SET capture_daily = true WHERE profile = 'bad';  -- ERROR
INSERT INTO tape.stored_profiles SELECT (tape.profile('core')).* ON CONFLICT DO NOTHING;
UPDATE tape.stored_profiles SET max_events = -3 WHERE profile = 'core';  -- ERROR (the table checks too)
DELETE FROM tape.profiles WHERE profile IN ('bad', 'core');

-- generated events: 12 tickers x 10 trading days x 8 events a day, in every time bucket, of
-- every type (price_momentum too, which the quotas leave out), with scores that tie at times
-- and bar dollar volumes from 20,000 to 210,000
CREATE TABLE regress.gen_events AS
SELECT format('S%s', lpad(t::text, 2, '0')) AS ticker, (d.day + o.at) AT TIME ZONE 'America/New_York' AS ts,
       d.day AS trading_day,
       (ARRAY['volume_spike', 'vwap_break', 'opening_range_break', 'consolidation_break', 'flush',
              'price_momentum'])[1 + (t + CASE WHEN k = 6 AND t % 2 = 0 THEN 5 ELSE k END + d.n) % 6] AS event_type,
       CASE WHEN (t + k) % 4 = 0 THEN 'down' ELSE 'up' END AS direction,
       ((t * 37 + k * 11 + d.n * 7) % 97)::float8 AS score,
       (20000 + ((t * 13 + k * 7 + d.n) % 20) * 10000)::float8 AS dollar_volume
  FROM generate_series(1, 12) t,
       (SELECT row_number() OVER (ORDER BY day) AS n, day
          FROM generate_series('2024-03-04'::date, '2024-03-15', '1 day') g(day)
         WHERE tape.is_trading_day(day::date)) d,
       (VALUES (1, time '07:15'), (2, time '09:41'), (3, time '10:05'), (4, time '11:30'), (5, time '13:02'),
               (6, time '13:09'), (7, time '15:20'), (8, time '17:45')) o (k, at);
INSERT INTO tape.events_intraday (ticker, ts, trading_day, event_type, direction, session, score, close, volume,
                                  dollar_volume, detected_at)
SELECT ticker, ts, trading_day, event_type, direction, tape.session_of(ts), score, 5, dollar_volume / 5, dollar_volume,
       '2024-04-01'
  FROM regress.gen_events ORDER BY md5(ticker || ts);
SELECT count(*) AS events, count(DISTINCT ticker) AS tickers, count(DISTINCT trading_day) AS days,
       count(DISTINCT score) AS scores FROM tape.events_intraday;
SELECT event_type, count(*) FROM tape.events_intraday GROUP BY 1 ORDER BY 1;

-- a profile whose every rule binds (the events of 13:02 and 13:09 are of one type on even
-- tickers: the cool-down; of two types on odd ones: their windows merge)
INSERT INTO tape.profiles (profile, description, max_events, max_per_ticker, max_per_ticker_day, window_before,
                           window_after, quotes_per_second, min_bar_dollar_volume, min_score_percentile, type_quotas,
                           bucket_minimums, cooldown, merge_gap)
VALUES ('regress', 'every rule binds', 100, 10, 2, '3 minutes', '7 minutes', 5, 50000, 20,
        '{"volume_spike": 0.3, "vwap_break": 0.3, "opening_range_break": 0.2, "consolidation_break": 0.1, "flush": 0.1}',
        '{"PM": 0.2, "open": 0.1, "midday": 0.1, "power_hour": 0.1, "AH": 0.2}', '10 minutes', '8 minutes');
CALL tape.build_manifest('regress', '2024-03-04', '2024-03-15');
SELECT source, count(*) AS events, count(DISTINCT window_id) AS windows FROM tape.manifest GROUP BY 1;

-- no cap is exceeded
SELECT (SELECT count(*) FROM tape.manifest WHERE profile = 'regress') AS events,
       (SELECT max(n) FROM (SELECT count(*) AS n FROM tape.manifest WHERE profile = 'regress' GROUP BY ticker) x) AS most_per_ticker,
       (SELECT max(n) FROM (SELECT count(*) AS n FROM tape.manifest WHERE profile = 'regress' GROUP BY ticker, trading_day) x) AS most_per_ticker_day;
-- the cool-down holds: no two events of a ticker and type less than 10 minutes apart
SELECT count(*) AS too_close FROM tape.manifest a JOIN tape.manifest b
    ON a.profile = b.profile AND a.ticker = b.ticker AND a.event_type = b.event_type AND a.ts < b.ts
   AND b.ts - a.ts < interval '10 minutes'
 WHERE a.profile = 'regress';
-- the filters held: types, dollar volume, score cut-off (20th percentile of each type's candidates)
SELECT count(*) FILTER (WHERE m.event_type = 'price_momentum') AS other_types,
       count(*) FILTER (WHERE m.dollar_volume < 50000) AS illiquid,
       count(*) FILTER (WHERE m.score < c.cut) AS under_the_cut
  FROM tape.manifest m
  JOIN (SELECT event_type, percentile_cont(0.2) WITHIN GROUP (ORDER BY score) AS cut FROM tape.events_intraday
         WHERE dollar_volume >= 50000 GROUP BY 1) c USING (event_type)
 WHERE m.profile = 'regress';
-- every event the rules cut was cut by a rule that holds against the final selection, and
-- no candidate that breaks no rule was left out (the greedy selection is complete)
CREATE TABLE regress.choices AS
SELECT * FROM tape.event_choices(tape.profile('regress'), '2024-03-04', '2024-03-15');
SELECT c.cut_by, count(*) AS cut,
       count(*) FILTER (WHERE CASE c.cut_by
         WHEN 'cooldown' THEN EXISTS (SELECT FROM regress.choices s WHERE s.selected_by IS NOT NULL AND s.ticker = c.ticker
                                        AND s.event_type = c.event_type AND abs(extract(epoch FROM s.ts - c.ts)) < 600
                                        AND s.priority < c.priority)
         WHEN 'max_per_ticker_day' THEN (SELECT count(*) FROM regress.choices s WHERE s.selected_by IS NOT NULL
                                           AND s.ticker = c.ticker AND s.trading_day = c.trading_day) = 2
         WHEN 'max_per_ticker' THEN (SELECT count(*) FROM regress.choices s WHERE s.selected_by IS NOT NULL
                                       AND s.ticker = c.ticker) = 10
         WHEN 'max_events' THEN (SELECT count(*) FROM regress.choices s WHERE s.selected_by IS NOT NULL) = 100
       END) AS rule_holds
  FROM regress.choices c WHERE c.cut_by IS NOT NULL GROUP BY 1 ORDER BY 1;
SELECT count(*) AS candidates, count(selected_by) AS selected, count(cut_by) AS cut,
       count(*) FILTER (WHERE selected_by IS NULL AND cut_by IS NULL) AS neither
  FROM regress.choices WHERE priority IS NOT NULL;
SELECT left_out, count(*) FROM regress.choices GROUP BY 1 ORDER BY 1;
-- the selection is the manifest
SELECT count(*) AS differences FROM (
  (SELECT ticker, ts, event_type, direction FROM regress.choices WHERE selected_by IS NOT NULL
   EXCEPT SELECT ticker, ts, event_type, direction FROM tape.manifest WHERE profile = 'regress')
  UNION ALL
  (SELECT ticker, ts, event_type, direction FROM tape.manifest WHERE profile = 'regress'
   EXCEPT SELECT ticker, ts, event_type, direction FROM regress.choices WHERE selected_by IS NOT NULL)) d;
SELECT selected_by, bucket, count(*) FROM tape.manifest WHERE profile = 'regress' GROUP BY 1, 2 ORDER BY 1, 2;
SELECT ticker, to_char(ts, 'MM-DD HH24:MI') AS ts, event_type, direction, score, bucket, selected_by, priority,
       to_char(win_start, 'HH24:MI') || '-' || to_char(win_end, 'HH24:MI') AS win, window_id
  FROM tape.manifest WHERE profile = 'regress' ORDER BY priority LIMIT 12;

-- merged windows (every event taken): within a ticker-day, windows never overlap and are at
-- least merge_gap apart; inside a window the events' windows leave no gap of merge_gap; each
-- event is in its window.  The events of 13:02 and 13:09 merge (their windows overlap), those of
-- 09:41 and 10:05 do not (14 minutes apart), unless merge_gap is 15 minutes.
INSERT INTO tape.profiles (profile, max_events, window_before, window_after, merge_gap)
VALUES ('merging', 1000, '3 minutes', '7 minutes', '8 minutes');
SET client_min_messages = warning;
CALL tape.build_manifest('merging', '2024-03-04', '2024-03-15');
RESET client_min_messages;
SELECT count(*) AS too_close FROM tape.manifest_windows a JOIN tape.manifest_windows b
    ON a.profile = b.profile AND a.ticker = b.ticker AND a.trading_day = b.trading_day AND a.window_id <> b.window_id
   AND b.win_start >= a.win_start AND b.win_start < a.win_end + interval '8 minutes'
 WHERE a.profile = 'merging';
SELECT count(*) AS events_outside FROM tape.manifest m JOIN tape.manifest_windows w USING (profile, window_id)
 WHERE m.profile = 'merging' AND NOT (m.win_start >= w.win_start AND m.win_end <= w.win_end);
SELECT count(*) AS windows_with_a_gap FROM (
  SELECT w.window_id, m.win_start, max(m.win_end) OVER (PARTITION BY w.window_id ORDER BY m.win_start
                                                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_end
    FROM tape.manifest_windows w JOIN tape.manifest m USING (profile, window_id) WHERE w.profile = 'merging') x
 WHERE x.before_end IS NOT NULL AND x.win_start >= x.before_end + interval '8 minutes';
SELECT count(*) AS windows, sum(event_count) AS events, count(*) FILTER (WHERE event_count > 1) AS merged,
       bool_and(event_count = jsonb_array_length(events)) AS listed,
       bool_and(event_count = (SELECT count(*) FROM tape.manifest m WHERE m.profile = w.profile AND m.window_id = w.window_id))
         AS counted
  FROM tape.manifest_windows w WHERE profile = 'merging';
SELECT window_id, ticker, trading_day, to_char(win_start, 'HH24:MI') || '-' || to_char(win_end, 'HH24:MI') AS win,
       event_count, events
  FROM tape.manifest_windows WHERE profile = 'merging' AND event_count > 1 ORDER BY window_id LIMIT 2;

UPDATE tape.profiles SET merge_gap = '15 minutes' WHERE profile = 'merging';
SET client_min_messages = warning;
CALL tape.build_manifest('merging', '2024-03-04', '2024-03-15');
RESET client_min_messages;
SELECT count(*) AS windows, count(*) FILTER (WHERE event_count > 1) AS merged,
       count(*) FILTER (WHERE win_start::time = '09:38' AND win_end::time = '10:12') AS "09:38-10:12"
  FROM tape.manifest_windows WHERE profile = 'merging';

-- deterministic: built again, and from the same events inserted in another order, the same manifest
CREATE VIEW regress.manifest_digest AS
SELECT (SELECT md5(string_agg(m::text, E'\n' ORDER BY m.ticker, m.ts, m.event_type, m.direction)) FROM tape.manifest m)
         AS events,
       (SELECT md5(string_agg(w::text, E'\n' ORDER BY w.window_id)) FROM tape.manifest_windows w) AS windows;
CREATE TABLE regress.first_build AS SELECT * FROM regress.manifest_digest;
SET client_min_messages = warning;
CALL tape.build_manifest('regress', '2024-03-04', '2024-03-15');
RESET client_min_messages;
SELECT d.events = f.events AS same_events, d.windows = f.windows AS same_windows
  FROM regress.manifest_digest d, regress.first_build f;
CREATE TABLE regress.events_copy AS SELECT * FROM tape.events_intraday;
TRUNCATE tape.events_intraday;
INSERT INTO tape.events_intraday SELECT * FROM regress.events_copy ORDER BY md5(ts::text || event_type) DESC;
SET client_min_messages = warning;
CALL tape.build_manifest('regress', '2024-03-04', '2024-03-15');
RESET client_min_messages;
SELECT d.events = f.events AS same_events, d.windows = f.windows AS same_windows
  FROM regress.manifest_digest d, regress.first_build f;

-- quotas: with caps that do not bind, each type gets its share exactly; a type without the
-- candidates (flush, left with a few by the dollar volume) gets them all and its slots go to the others
INSERT INTO tape.profiles (profile, max_events, window_before, window_after, min_bar_dollar_volume, type_quotas)
VALUES ('quotas', 100, '3 minutes', '7 minutes', 50000,
        '{"volume_spike": 0.3, "vwap_break": 0.3, "opening_range_break": 0.2, "consolidation_break": 0.1, "flush": 0.1}');
CALL tape.build_manifest('quotas', '2024-03-04', '2024-03-15', dry_run => true);
UPDATE tape.events_intraday SET dollar_volume = 1000 WHERE event_type = 'flush' AND score < 95;
CALL tape.build_manifest('quotas', '2024-03-04', '2024-03-15');
-- the events beyond the quotas are the best of the rest
SELECT min(score) FILTER (WHERE selected_by = 'score') >= (SELECT max(c.score) FROM tape.event_choices(tape.profile('quotas'), '2024-03-04', '2024-03-15') c
                                                          WHERE c.priority IS NOT NULL AND c.selected_by IS NULL) AS best_of_the_rest
  FROM tape.manifest WHERE profile = 'quotas';
UPDATE tape.events_intraday e SET dollar_volume = c.dollar_volume FROM regress.events_copy c
 WHERE c.ticker = e.ticker AND c.ts = e.ts AND c.event_type = e.event_type AND c.direction = e.direction;
SELECT event_type, count(*), selected_by FROM tape.manifest WHERE profile = 'quotas' GROUP BY 1, 3 ORDER BY 1, 3;
-- time buckets: each gets its reserved share before the score order takes the rest
INSERT INTO tape.profiles (profile, max_events, window_before, window_after, min_score_percentile, bucket_minimums)
VALUES ('buckets', 50, '3 minutes', '7 minutes', 0, '{"PM": 0.2, "power_hour": 0.2, "AH": 0.3}');
SET client_min_messages = warning;
CALL tape.build_manifest('buckets', '2024-03-04', '2024-03-15');
RESET client_min_messages;
SELECT bucket, count(*), min(score), max(score), string_agg(DISTINCT selected_by, ',') AS rounds
  FROM tape.manifest WHERE profile = 'buckets' GROUP BY 1 ORDER BY min(ts::time);
SELECT count(*) FILTER (WHERE selected_by = 'bucket') AS reserved, count(*) FILTER (WHERE selected_by = 'score') AS by_score
  FROM tape.manifest WHERE profile = 'buckets';

-- minute bars of every ticker on 2024-03-04 for what reads them (the spread estimate, the
-- extension, the capture plan): every bar alike, 20 trades a minute, 0.4 % from high to low;
-- but S01 trades 400 a minute from 13:00 to 13:20, S02's bars are 12 % high, S03's 4 % from 11:25 to 11:40
SELECT tape.create_partitions('2024-03-01', '2024-03-31') >= 0 AS partitions_ready;
INSERT INTO tape.bars_1m (ticker, ts, open, high, low, close, volume, vwap, transactions, adjusted)
SELECT t, ts, 5, 5 * (1 + w), 5 * (1 - w), 5 * (1 + w / 2), 1000, 5,
       CASE WHEN t = 'S01' AND ts::time BETWEEN '13:00' AND '13:20' THEN 400 ELSE 20 END, true
  FROM (SELECT format('S%s', lpad(n::text, 2, '0')) AS t FROM generate_series(1, 12) n) x,
       generate_series('2024-03-04 04:00'::timestamptz, '2024-03-04 19:59', '1 minute') ts,
       LATERAL (SELECT CASE WHEN t = 'S02' THEN 0.06 WHEN t = 'S03' AND ts::time BETWEEN '11:25' AND '11:40' THEN 0.02
                            ELSE 0.002 END AS w) ww;
SELECT ticker, round(tape.estimated_spread_pct(ticker, '2024-03-04 11:30', 30)::numeric, 2) AS spread_pct,
       tape.estimated_spread_pct(ticker, '2024-03-04 03:00', 30) AS before_the_bars
  FROM (VALUES ('S01'), ('S02'), ('S03')) t (ticker);
SELECT tape.bar_quote_changes(5.00, 5.05, 4.98, 5.03) AS cents, tape.bar_quote_changes(0.5, 0.5010, 0.4995, 0.5) AS sub_dollar;
-- a spread filter and the extension: S02's bars imply a spread over 5 %; S01's windows at 13:02
-- and 13:09 trade 20 times faster than the others, S03's at 11:30 imply 10 times the quote changes
INSERT INTO tape.profiles (profile, max_events, window_before, window_after, max_spread_pct, extend_percentile,
                           extended_before, extended_after)
VALUES ('liquid', 1000, '3 minutes', '7 minutes', 5, 90, '10 minutes', '20 minutes');
CALL tape.build_manifest('liquid', '2024-03-04', '2024-03-04');
SELECT ticker, to_char(ts, 'HH24:MI') AS ts, event_type, round(spread_pct::numeric, 2) AS spread_pct, tape_speed,
       quote_changes, extended, to_char(win_start, 'HH24:MI') || '-' || to_char(win_end, 'HH24:MI') AS win
  FROM tape.manifest WHERE profile = 'liquid' AND ticker IN ('S01', 'S02', 'S03') ORDER BY ticker, ts, event_type;
SELECT count(*) AS windows, count(*) FILTER (WHERE extended) AS extended FROM tape.manifest WHERE profile = 'liquid';

-- daily events: whole trading days around them (here E1 2 days each way, E3 1, E8 3), by RVOL
-- up to max_daily_events; an intraday window on such a day merges into the day's window
INSERT INTO tape.events_daily (ticker, trading_day, event_type, direction, close, volume, dollar_volume, rvol)
VALUES ('S01', '2024-03-06', 'E1_volume_explosion', 'up', 5, 1e6, 5e6, 7),
       ('S01', '2024-03-07', 'E3_intraday_price_spike', 'up', 5, 1e6, 5e6, 5),
       ('S02', '2024-03-12', 'E8_violent_gap_down', 'down', 5, 1e6, 5e6, 9),
       ('S03', '2024-03-13', 'stage1', 'up', 5, 1e6, 5e6, 12);
INSERT INTO tape.events_intraday (ticker, ts, trading_day, event_type, direction, session, score, dollar_volume)
VALUES ('S01', '2024-03-05 12:00', '2024-03-05', 'volume_spike', 'up', 'RTH', 99, 1e6);
INSERT INTO tape.profiles (profile, max_events, max_per_ticker, window_before, window_after, type_quotas, capture_daily,
                           max_daily_events, daily_windows)
VALUES ('daily', 5, 10, '3 minutes', '7 minutes', '{"volume_spike": 1}', true, 2,
        '{"E1_volume_explosion": 2, "E3_intraday_price_spike": 1, "E8_violent_gap_down": 3}');
CALL tape.build_manifest('daily', '2024-03-04', '2024-03-15');
SELECT source, ticker, trading_day, event_type, selected_by, priority, win_start, win_end
  FROM tape.manifest WHERE profile = 'daily' ORDER BY source, ticker, ts;
SELECT c.event_type, c.left_out, c.selected_by, c.cut_by
  FROM tape.daily_choices(tape.profile('daily'), '2024-03-04', '2024-03-15') c ORDER BY c.ticker, c.trading_day;
SELECT ticker, trading_day, whole_day, to_char(win_start, 'HH24:MI') || '-' || to_char(win_end, 'HH24:MI') AS win,
       event_count, (SELECT string_agg(e ->> 'event_type', ', ') FROM jsonb_array_elements(events) e) AS events
  FROM tape.manifest_windows WHERE profile = 'daily' ORDER BY ticker, trading_day, win_start;
SELECT count(*) AS event_rows, count(DISTINCT window_id) AS windows FROM tape.captured_events
 WHERE profile = 'daily' AND source = 'daily';
DELETE FROM tape.events_intraday WHERE ticker = 'S01' AND ts = '2024-03-05 12:00';

-- the dry run changes nothing and asks for nothing
CREATE FUNCTION regress.tape_digest() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  t regclass;
  one text;
  d text := '';
BEGIN
  FOR t IN SELECT c.oid FROM pg_class c WHERE c.relnamespace = 'tape'::regnamespace AND c.relkind = 'r' ORDER BY c.relname LOOP
    EXECUTE format('SELECT %L || md5(coalesce(string_agg(x::text, E''\n'' ORDER BY x::text), '''')) FROM %s x', t, t)
      INTO STRICT one;
    d := d || one;
  END LOOP;
  RETURN md5(d);
END $$;
SELECT regress.tape_digest() AS before \gset
SELECT requests AS requests_before FROM tape.polygon_session_stats() \gset
SELECT regress.mock_requests('manifest') AS mock_before \gset
SET client_min_messages = warning;
CALL tape.build_manifest('regress', '2024-03-04', '2024-03-15', dry_run => true);
CALL tape.build_manifest('core', dry_run => true);
RESET client_min_messages;
SELECT regress.tape_digest() = :'before' AS every_table_unchanged;
SELECT requests - :requests_before AS requests FROM tape.polygon_session_stats();
SELECT regress.mock_requests('manifest') - :mock_before AS mock_requests;
CALL tape.build_manifest('regress', '2024-03-15', '2024-03-04');  -- ERROR
CALL tape.build_manifest('nope');  -- ERROR

-- the capture plan, per ticker-day, in both regimes.  S01 on 2024-03-04 trades 20 times a
-- minute, 400 from 13:00 to 13:20; three quiet windows: span (one request) at 5 a minute and
-- without a limit; a busy gap between two windows: the span needs two pages (64,000 trades),
-- cheaper than three requests at 5 a minute, dearer than three small ones without a limit
UPDATE tape.bars_1m SET transactions = 3000 WHERE ticker = 'S02' AND ts::time >= '10:00' AND ts::time < '10:20';
CREATE TABLE regress.plan_windows (LIKE tape.manifest_windows);
INSERT INTO regress.plan_windows
SELECT 'regress', n, t, '2024-03-04', ('2024-03-04 ' || a)::timestamptz, ('2024-03-04 ' || b)::timestamptz, false, 1, '[]'
  FROM (VALUES (1, 'S01', '09:30', '09:40'), (2, 'S01', '11:00', '11:10'), (3, 'S01', '15:00', '15:10'),
               (4, 'S02', '09:50', '10:00'), (5, 'S02', '10:20', '10:30'), (6, 'S02', '15:00', '15:10')) w (n, t, a, b);
SELECT ticker, kind, windows, plan, requests, round(rows) AS rows, round((json_bytes / 1e6)::numeric, 2) AS json_mb,
       round(seconds::numeric, 2) AS seconds, window_requests, round(window_seconds::numeric, 2) AS window_seconds,
       array_length(series, 1) AS series
  FROM tape.capture_plan(ARRAY(SELECT ROW(w.*)::tape.manifest_windows FROM regress.plan_windows w), 'trades', 0, 5)
 ORDER BY ticker;
SELECT ticker, kind, windows, plan, requests, round(rows) AS rows, round((json_bytes / 1e6)::numeric, 2) AS json_mb,
       round(seconds::numeric, 2) AS seconds, window_requests, round(window_seconds::numeric, 2) AS window_seconds
  FROM tape.capture_plan(ARRAY(SELECT ROW(w.*)::tape.manifest_windows FROM regress.plan_windows w), 'trades', 0, 0)
 ORDER BY ticker;
-- quotes: 1.8 times the rows (capture.quotes_per_trade), kept at most 5 a second when stored
SELECT ticker, kind, plan, requests, round(rows) AS rows, round(stored_bytes) AS stored_bytes
  FROM tape.capture_plan(ARRAY(SELECT ROW(w.*)::tape.manifest_windows FROM regress.plan_windows w), 'quotes', 5, 0)
 ORDER BY ticker;
-- the plan's estimates at the ends of their ranges (tape.setting_ranges()): the plan is made, its
-- requests and seconds finite
CREATE FUNCTION regress.plan_at(range_end text) RETURNS TABLE (kind text, requests bigint, finite_seconds boolean)
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE tape.configuration c
     SET value = (SELECT CASE range_end WHEN 'min' THEN r.min_value ELSE r.max_value END
                    FROM tape.setting_ranges() r WHERE r.name = c.name)
   WHERE c.name LIKE 'capture.%' AND c.name <> 'capture.disk_budget';
  RETURN QUERY
  SELECT p.kind, sum(p.requests)::bigint, sum(p.seconds) < 'infinity'
    FROM unnest(ARRAY['trades', 'quotes']) AS k (kind),
         tape.capture_plan(ARRAY(SELECT ROW(w.*)::tape.manifest_windows FROM regress.plan_windows w), k.kind, 0, 5) p
   GROUP BY p.kind ORDER BY p.kind;
END
$$;
SELECT * FROM regress.plan_at('max');
SELECT * FROM regress.plan_at('min');
UPDATE tape.configuration SET value = NULL WHERE name LIKE 'capture.%';
DROP FUNCTION regress.plan_at(text);
-- the whole day: when nothing trades outside the windows' span, it costs no more
DELETE FROM tape.bars_1m WHERE ticker = 'S01' AND (ts::time < '09:30' OR ts::time >= '15:10');
SELECT ticker, plan, requests, round(rows) AS rows, series
  FROM tape.capture_plan(ARRAY(SELECT ROW(w.*)::tape.manifest_windows FROM regress.plan_windows w WHERE ticker = 'S01'), 'trades', 0, 5);
-- a day without minute bars: its day bar's transactions spread over the sessions, or nothing
SELECT tape.estimated_trades('S99', '2024-03-04', ARRAY[tstzrange('2024-03-04 09:30', '2024-03-04 09:40')]) AS no_bars;
SELECT tape.create_partitions('2024-01-01', '2024-12-31') >= 0 AS partitions_ready;
INSERT INTO tape.bars_1d (ticker, ts, open, high, low, close, volume, transactions, adjusted)
VALUES ('S99', '2024-03-04', 5, 5, 5, 5, 1000, 9600, true);
SELECT tape.estimated_trades('S99', '2024-03-04', ARRAY[tstzrange('2024-03-04 09:30', '2024-03-04 09:40'),
                                                         tstzrange('2024-03-04 19:55', '2024-03-04 20:30')]) AS from_the_day_bar;

DROP VIEW regress.manifest_digest;
DROP TABLE regress.gen_events, regress.choices, regress.first_build, regress.events_copy, regress.plan_windows;
TRUNCATE tape.events_intraday, tape.bars_1m, tape.bars_1d, tape.manifest, tape.manifest_windows, tape.manifest_builds,
         tape.stored_profiles, tape.settings;
