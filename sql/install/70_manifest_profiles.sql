
-- manifest profiles: the rules tape.build_manifest follows to choose which events get their
-- ticks captured (caps, windows, quote sampling, liquidity, score cut-off, type quotas, time
-- buckets, cool-down, merging, extension, daily events)
--
-- The built-in profiles (core, plus, premium: DESIGN.md section 6 and the seeds) are rows of
-- tape.builtin_profiles(); the profiles a user creates, and the built-in ones a user changes,
-- are rows of tape.stored_profiles, which pg_dump keeps.  The view tape.profiles shows them
-- all and takes INSERT, UPDATE and DELETE, as tape.configuration does for the settings.

-- what the rules name

CREATE FUNCTION tape.event_types(source text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  -- the detectors of the configuration: intraday ones can be switched off, daily ones have a window
  SELECT e.key FROM jsonb_each(tape.default_config() -> source) e
   WHERE e.value ? CASE source WHEN 'intraday' THEN 'enabled' ELSE 'window' END
   ORDER BY 1
$$;

COMMENT ON FUNCTION tape.event_types(text) IS 'the event types of the intraday or daily detectors (keys of tape.default_config())';

CREATE FUNCTION tape.time_buckets(OUT bucket text, OUT description text)
RETURNS SETOF record
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  VALUES ('PM', 'pre-market, 04:00 to the open'),
         ('open', 'the first hour of the regular session, 09:30-10:30'),
         ('midday', 'the regular session between its first and last hour'),
         ('power_hour', 'the last hour of the regular session, 15:00-16:00 (12:00-13:00 on an early close)'),
         ('AH', 'after hours, from the close to 20:00 (17:00 on an early close)')
$$;

COMMENT ON FUNCTION tape.time_buckets() IS 'the time buckets whose coverage a profile can ask for, in the order of the day';

CREATE FUNCTION tape.event_bucket(ts timestamptz) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT CASE WHEN s.pm_open IS NULL OR ts < s.pm_open OR ts >= s.ah_close THEN NULL
              WHEN ts < s.rth_open THEN 'PM'
              WHEN ts >= s.rth_close THEN 'AH'
              WHEN ts < s.rth_open + interval '1 hour' THEN 'open'
              WHEN ts >= s.rth_close - interval '1 hour' THEN 'power_hour'
              ELSE 'midday' END
    FROM tape.session_bounds((ts AT TIME ZONE 'America/New_York')::date) s
$$;

COMMENT ON FUNCTION tape.event_bucket(timestamptz) IS 'the time bucket of a moment: PM, open (first hour of the regular session), midday, power_hour (its last hour), AH; NULL outside the sessions';

-- the profiles

CREATE TABLE tape.stored_profiles (
    profile text PRIMARY KEY,
    description text,
    max_events integer NOT NULL,
    max_per_ticker integer,
    max_per_ticker_day integer,
    window_before interval NOT NULL,
    window_after interval NOT NULL,
    quotes_per_second integer NOT NULL,
    min_bar_dollar_volume double precision NOT NULL,
    max_spread_pct double precision,
    min_score_percentile double precision NOT NULL,
    type_quotas jsonb,
    bucket_minimums jsonb,
    cooldown interval NOT NULL,
    merge_gap interval NOT NULL,
    extend_percentile double precision,
    extended_before interval,
    extended_after interval,
    capture_daily boolean NOT NULL,
    max_daily_events integer NOT NULL,
    daily_windows jsonb
);

COMMENT ON TABLE tape.stored_profiles IS 'the manifest profiles a user created or changed (see the view tape.profiles, which can be updated); kept by pg_dump';
COMMENT ON COLUMN tape.stored_profiles.max_events IS 'intraday events in the manifest, at most';
COMMENT ON COLUMN tape.stored_profiles.max_per_ticker IS 'intraday events of one ticker, at most; NULL = no cap';
COMMENT ON COLUMN tape.stored_profiles.max_per_ticker_day IS 'intraday events of one ticker on one trading day, at most; NULL = no cap';
COMMENT ON COLUMN tape.stored_profiles.window_before IS 'the capture window of an intraday event starts this long before the start of its bar';
COMMENT ON COLUMN tape.stored_profiles.window_after IS 'and ends this long after it';
COMMENT ON COLUMN tape.stored_profiles.quotes_per_second IS 'quotes kept per second at capture (tape.pack_quotes down-sampling); 0 = every update';
COMMENT ON COLUMN tape.stored_profiles.min_bar_dollar_volume IS 'liquidity: the event bar''s dollar volume, at least (USD); 0 = no filter';
COMMENT ON COLUMN tape.stored_profiles.max_spread_pct IS 'liquidity: the spread estimated from the minute bars before the event (Abdi-Ranaldo), at most (percent of the price); NULL = no filter';
COMMENT ON COLUMN tape.stored_profiles.min_score_percentile IS 'score cut-off: an event is kept when its score is at or above this percentile of the scores of its type''s candidates; 0 = none';
COMMENT ON COLUMN tape.stored_profiles.type_quotas IS 'share of max_events for each intraday event type, such as {"volume_spike": 0.3}; types not named are not selected; NULL = every type, no quotas';
COMMENT ON COLUMN tape.stored_profiles.bucket_minimums IS 'share of max_events reserved for each time bucket (PM, open, midday, power_hour, AH), filled first; NULL = none';
COMMENT ON COLUMN tape.stored_profiles.cooldown IS 'two events of one ticker and one type closer than this: only the better one is selected';
COMMENT ON COLUMN tape.stored_profiles.merge_gap IS 'windows of one ticker-day that overlap, or that are less than this apart, merge into one';
COMMENT ON COLUMN tape.stored_profiles.extend_percentile IS 'a window whose tape speed or implied quote changes per minute exceed this percentile of the manifest''s windows is extended to extended_before/extended_after; NULL = never';
COMMENT ON COLUMN tape.stored_profiles.capture_daily IS 'whether the manifest takes daily events too (whole trading days around them)';
COMMENT ON COLUMN tape.stored_profiles.max_daily_events IS 'daily events in the manifest, at most';
COMMENT ON COLUMN tape.stored_profiles.daily_windows IS 'trading days captured on each side of a daily event, per type, such as {"E1_volume_explosion": 2}; types not named are not selected';

SELECT pg_catalog.pg_extension_config_dump('tape.stored_profiles', '');

CREATE FUNCTION tape.builtin_profiles() RETURNS SETOF tape.stored_profiles
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  WITH shared (quotas, buckets, daily) AS (
    SELECT '{"volume_spike": 0.30, "vwap_break": 0.30, "opening_range_break": 0.20,
             "consolidation_break": 0.10, "flush": 0.10}'::jsonb,
           '{"PM": 0.10, "open": 0.15, "midday": 0.15, "power_hour": 0.10, "AH": 0.05}'::jsonb,
           '{"stage1": 2, "E1_volume_explosion": 2, "E2_gap_up": 2, "E3_intraday_price_spike": 1,
             "E4_parabolic_move": 3, "E5_breakout_ath": 2, "E6_multiple_green_days": 1,
             "E7_first_red_day": 2, "E8_violent_gap_down": 3, "E9_intraday_crash": 1,
             "E10_first_green_bounce": 3, "E11_volume_bounce": 3}'::jsonb)
  SELECT p.* FROM shared s, unnest(ARRAY[
    ROW('core', 'the best intraday events, short windows, light quotes: a corpus to start with',
        10000, 3, 1, interval '3 minutes', interval '7 minutes', 5, 100000::float8, 5::float8, 95::float8,
        s.quotas, s.buckets, interval '10 minutes', interval '8 minutes', 90::float8,
        interval '10 minutes', interval '20 minutes', false, 0, s.daily)::tape.stored_profiles,
    ROW('plus', 'more events and longer windows, quotes at 20 a second',
        20000, 5, 2, interval '5 minutes', interval '15 minutes', 20, 50000::float8, 10::float8, 90::float8,
        s.quotas, s.buckets, interval '10 minutes', interval '8 minutes', 90::float8,
        interval '15 minutes', interval '30 minutes', false, 0, s.daily)::tape.stored_profiles,
    ROW('premium', 'the most events and every quote update, no liquidity filter',
        50000, 10, 3, interval '10 minutes', interval '20 minutes', 0, 0::float8, NULL::float8, 80::float8,
        s.quotas, s.buckets, interval '10 minutes', interval '8 minutes', 90::float8,
        interval '30 minutes', interval '90 minutes', false, 0, s.daily)::tape.stored_profiles]) AS p
$$;

COMMENT ON FUNCTION tape.builtin_profiles() IS 'the built-in manifest profiles core, plus and premium, as they are before a user changes them';

-- validation: every value of a profile, with an error that says what it must be

CREATE FUNCTION tape.profile_value_error(profile text, field text, value text, must text) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
  RAISE EXCEPTION 'invalid value % for "%" of profile "%"', coalesce(value, 'NULL'), field, profile
    USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It must be %s.', must),
          HINT = 'SELECT * FROM tape.profiles shows every profile; docs/manifest.md describes each rule.';
END
$$;

COMMENT ON FUNCTION tape.profile_value_error(text, text, text, text) IS 'raise the error of a profile value that breaks its rule';

CREATE FUNCTION tape.check_share_map(profile text, field text, map jsonb, keys text[], zero_allowed boolean)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
  e record;
  share float8;
  total float8 := 0;
BEGIN
  IF map IS NULL THEN
    RETURN;
  END IF;
  IF jsonb_typeof(map) <> 'object' THEN
    PERFORM tape.profile_value_error(profile, field, map::text, 'a JSON object or NULL');
  END IF;
  FOR e IN SELECT * FROM jsonb_each(map) LOOP
    IF NOT e.key = ANY (keys) THEN
      RAISE EXCEPTION 'unrecognized key "%" in "%" of profile "%"', e.key, field, profile
        USING ERRCODE = 'invalid_parameter_value',
              DETAIL = format('The keys of %s are %s.', field, array_to_string(keys, ', '));
    END IF;
    share := CASE WHEN jsonb_typeof(e.value) = 'number' THEN e.value::text::float8 END;
    IF share IS NULL OR share > 1 OR share < 0 OR (share = 0 AND NOT zero_allowed) THEN
      PERFORM tape.profile_value_error(profile, format('%s.%s', field, e.key), e.value::text,
                                       CASE WHEN zero_allowed THEN 'a share of max_events from 0 to 1'
                                            ELSE 'a share of max_events above 0, at most 1' END);
    END IF;
    total := total + share;
  END LOOP;
  IF total > 1 + 1e-9 THEN
    PERFORM tape.profile_value_error(profile, field, map::text,
                                     format('shares that add up to 1 at most (these add up to %s)', round(total::numeric, 4)));
  END IF;
END
$$;

COMMENT ON FUNCTION tape.check_share_map(text, text, jsonb, text[], boolean) IS 'check a JSON object of shares (type_quotas, bucket_minimums): known keys, numbers up to 1 (above 0 unless zero_allowed), adding up to 1 at most';

CREATE FUNCTION tape.check_profile(p tape.stored_profiles) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
  e record;
  longest constant interval := interval '16 hours';
BEGIN
  IF p.profile IS NULL OR p.profile !~ '^[a-z][a-z0-9_]{0,62}$' THEN
    RAISE EXCEPTION 'invalid profile name "%"', p.profile
      USING ERRCODE = 'invalid_name',
            DETAIL = 'A profile name is lower-case letters, digits and underscores, starting with a letter (63 at most).';
  END IF;
  IF p.max_events IS NULL OR p.max_events < 1 THEN
    PERFORM tape.profile_value_error(p.profile, 'max_events', p.max_events::text, 'a whole number, 1 or more');
  END IF;
  IF p.max_per_ticker < 1 THEN
    PERFORM tape.profile_value_error(p.profile, 'max_per_ticker', p.max_per_ticker::text, 'a whole number, 1 or more, or NULL for no cap');
  END IF;
  IF p.max_per_ticker_day < 1 THEN
    PERFORM tape.profile_value_error(p.profile, 'max_per_ticker_day', p.max_per_ticker_day::text, 'a whole number, 1 or more, or NULL for no cap');
  END IF;
  IF p.max_per_ticker_day > p.max_per_ticker THEN
    PERFORM tape.profile_value_error(p.profile, 'max_per_ticker_day', p.max_per_ticker_day::text,
                                     format('at most max_per_ticker (%s)', p.max_per_ticker));
  END IF;
  IF p.window_before IS NULL OR p.window_before < interval '0' OR p.window_before > longest THEN
    PERFORM tape.profile_value_error(p.profile, 'window_before', quote_literal(p.window_before), 'an interval from 0 to 16 hours');
  END IF;
  IF p.window_after IS NULL OR p.window_after <= interval '0' OR p.window_after > longest THEN
    PERFORM tape.profile_value_error(p.profile, 'window_after', quote_literal(p.window_after), 'an interval above 0, at most 16 hours');
  END IF;
  IF p.quotes_per_second IS NULL OR p.quotes_per_second NOT BETWEEN 0 AND 1000000 THEN
    PERFORM tape.profile_value_error(p.profile, 'quotes_per_second', p.quotes_per_second::text,
                                     'a whole number from 0 (every update) to 1,000,000');
  END IF;
  IF p.min_bar_dollar_volume IS NULL OR NOT p.min_bar_dollar_volume >= 0 OR p.min_bar_dollar_volume = 'infinity' THEN
    PERFORM tape.profile_value_error(p.profile, 'min_bar_dollar_volume', p.min_bar_dollar_volume::text, 'a dollar amount, 0 (no filter) or more');
  END IF;
  IF NOT p.max_spread_pct > 0 OR p.max_spread_pct = 'infinity' THEN
    PERFORM tape.profile_value_error(p.profile, 'max_spread_pct', p.max_spread_pct::text, 'a percentage above 0, or NULL for no filter');
  END IF;
  IF p.min_score_percentile IS NULL OR NOT (p.min_score_percentile >= 0 AND p.min_score_percentile < 100) THEN
    PERFORM tape.profile_value_error(p.profile, 'min_score_percentile', p.min_score_percentile::text, 'a percentile from 0 (no cut-off) to below 100');
  END IF;
  PERFORM tape.check_share_map(p.profile, 'type_quotas', p.type_quotas, ARRAY(SELECT tape.event_types('intraday')), false);
  PERFORM tape.check_share_map(p.profile, 'bucket_minimums', p.bucket_minimums, ARRAY(SELECT b.bucket FROM tape.time_buckets() b), true);
  IF p.cooldown IS NULL OR p.cooldown < interval '0' OR p.cooldown > longest THEN
    PERFORM tape.profile_value_error(p.profile, 'cooldown', quote_literal(p.cooldown), 'an interval from 0 (none) to 16 hours');
  END IF;
  IF p.merge_gap IS NULL OR p.merge_gap < interval '0' OR p.merge_gap > longest THEN
    PERFORM tape.profile_value_error(p.profile, 'merge_gap', quote_literal(p.merge_gap), 'an interval from 0 (only overlapping windows merge) to 16 hours');
  END IF;
  IF p.extend_percentile IS NOT NULL THEN
    IF NOT (p.extend_percentile > 0 AND p.extend_percentile < 100) THEN
      PERFORM tape.profile_value_error(p.profile, 'extend_percentile', p.extend_percentile::text, 'a percentile above 0 and below 100, or NULL for no extension');
    END IF;
    IF p.extended_before IS NULL OR p.extended_before < p.window_before OR p.extended_before > longest THEN
      PERFORM tape.profile_value_error(p.profile, 'extended_before', quote_literal(p.extended_before),
                                       format('an interval from window_before (%s) to 16 hours when extend_percentile is set', p.window_before));
    END IF;
    IF p.extended_after IS NULL OR p.extended_after < p.window_after OR p.extended_after > longest THEN
      PERFORM tape.profile_value_error(p.profile, 'extended_after', quote_literal(p.extended_after),
                                       format('an interval from window_after (%s) to 16 hours when extend_percentile is set', p.window_after));
    END IF;
  END IF;
  IF p.capture_daily IS NULL THEN
    PERFORM tape.profile_value_error(p.profile, 'capture_daily', NULL, 'true or false');
  END IF;
  IF p.max_daily_events IS NULL OR p.max_daily_events < 0 THEN
    PERFORM tape.profile_value_error(p.profile, 'max_daily_events', p.max_daily_events::text, 'a whole number, 0 or more');
  END IF;
  IF p.daily_windows IS NOT NULL THEN
    IF jsonb_typeof(p.daily_windows) <> 'object' THEN
      PERFORM tape.profile_value_error(p.profile, 'daily_windows', p.daily_windows::text, 'a JSON object or NULL');
    END IF;
    FOR e IN SELECT * FROM jsonb_each(p.daily_windows) LOOP
      IF e.key NOT IN (SELECT tape.event_types('daily')) THEN
        RAISE EXCEPTION 'unrecognized key "%" in "daily_windows" of profile "%"', e.key, p.profile
          USING ERRCODE = 'invalid_parameter_value',
                DETAIL = format('The keys of daily_windows are the daily event types: %s.',
                                array_to_string(ARRAY(SELECT tape.event_types('daily')), ', '));
      END IF;
      IF jsonb_typeof(e.value) <> 'number' OR e.value::text !~ '^[0-9]+$' OR e.value::text::integer > 10 THEN
        PERFORM tape.profile_value_error(p.profile, 'daily_windows.' || e.key, e.value::text, 'a whole number of trading days from 0 to 10');
      END IF;
    END LOOP;
  END IF;
  IF p.capture_daily AND (p.max_daily_events < 1 OR p.daily_windows IS NULL OR p.daily_windows = '{}') THEN
    PERFORM tape.profile_value_error(p.profile, 'capture_daily', 'true',
                                     'false unless max_daily_events is 1 or more and daily_windows names an event type');
  END IF;
  RETURN true;
END
$$;

COMMENT ON FUNCTION tape.check_profile(tape.stored_profiles) IS 'true if every value of a profile keeps its rule; otherwise an error that says which and what it must be';

ALTER TABLE tape.stored_profiles ADD CONSTRAINT stored_profiles_valid CHECK (tape.check_profile(stored_profiles));

-- the view users read and change

CREATE VIEW tape.profiles AS
SELECT s.*, b.profile IS NOT NULL AS builtin, true AS changed
  FROM tape.stored_profiles s
  LEFT JOIN tape.builtin_profiles() b ON b.profile = s.profile
UNION ALL
SELECT b.*, true, false
  FROM tape.builtin_profiles() b
 WHERE NOT EXISTS (SELECT FROM tape.stored_profiles s WHERE s.profile = b.profile);

COMMENT ON VIEW tape.profiles IS 'every manifest profile, built in or a user''s; INSERT a row to create one (SELECT tape.copy_profile(''core'', ''mine'') copies one), UPDATE to change one, DELETE to drop one or put a built-in one back to its defaults';

ALTER VIEW tape.profiles ALTER COLUMN min_bar_dollar_volume SET DEFAULT 0;
ALTER VIEW tape.profiles ALTER COLUMN min_score_percentile SET DEFAULT 0;
ALTER VIEW tape.profiles ALTER COLUMN quotes_per_second SET DEFAULT 0;
ALTER VIEW tape.profiles ALTER COLUMN cooldown SET DEFAULT '0';
ALTER VIEW tape.profiles ALTER COLUMN merge_gap SET DEFAULT '0';
ALTER VIEW tape.profiles ALTER COLUMN capture_daily SET DEFAULT false;
ALTER VIEW tape.profiles ALTER COLUMN max_daily_events SET DEFAULT 0;

CREATE FUNCTION tape.profiles_change() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  row tape.stored_profiles;
  builtin tape.stored_profiles;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    SELECT * INTO builtin FROM tape.builtin_profiles() b WHERE b.profile = OLD.profile;
  END IF;
  IF TG_OP = 'DELETE' THEN
    DELETE FROM tape.stored_profiles WHERE profile = OLD.profile;
    IF builtin.profile IS NOT NULL AND OLD.changed THEN
      RAISE NOTICE 'profile "%" is built in: its defaults are back', OLD.profile;
    ELSIF builtin.profile IS NOT NULL THEN
      RAISE EXCEPTION 'profile "%" is built in and cannot be dropped', OLD.profile
        USING ERRCODE = 'feature_not_supported',
              HINT = 'DELETE of a changed built-in profile puts its defaults back; this one has them.';
    END IF;
    RETURN OLD;
  END IF;
  row := ROW(NEW.profile, NEW.description, NEW.max_events, NEW.max_per_ticker, NEW.max_per_ticker_day,
             NEW.window_before, NEW.window_after, NEW.quotes_per_second, NEW.min_bar_dollar_volume,
             NEW.max_spread_pct, NEW.min_score_percentile, NEW.type_quotas, NEW.bucket_minimums, NEW.cooldown,
             NEW.merge_gap, NEW.extend_percentile, NEW.extended_before, NEW.extended_after, NEW.capture_daily,
             NEW.max_daily_events, NEW.daily_windows);
  IF TG_OP = 'INSERT' THEN
    IF EXISTS (SELECT FROM tape.profiles p WHERE p.profile = NEW.profile) THEN
      RAISE EXCEPTION 'profile "%" already exists', NEW.profile
        USING ERRCODE = 'unique_violation',
              HINT = 'UPDATE tape.profiles to change it, or choose another name.';
    END IF;
  ELSE
    IF NEW.profile IS DISTINCT FROM OLD.profile THEN
      IF builtin.profile IS NOT NULL THEN
        RAISE EXCEPTION 'profile "%" is built in and cannot be renamed', OLD.profile
          USING ERRCODE = 'feature_not_supported',
                HINT = format('Copy it instead: SELECT tape.copy_profile(%L, %L).', OLD.profile, NEW.profile);
      END IF;
      IF EXISTS (SELECT FROM tape.profiles p WHERE p.profile = NEW.profile) THEN
        RAISE EXCEPTION 'profile "%" already exists', NEW.profile USING ERRCODE = 'unique_violation';
      END IF;
    END IF;
    DELETE FROM tape.stored_profiles WHERE profile = OLD.profile;
    IF builtin.profile IS NOT NULL AND row IS NOT DISTINCT FROM builtin THEN
      RETURN NEW;    -- back to the defaults: nothing to keep
    END IF;
  END IF;
  INSERT INTO tape.stored_profiles SELECT (row).*;
  RETURN NEW;
END
$$;

COMMENT ON FUNCTION tape.profiles_change() IS 'trigger of the view tape.profiles: INSERT, UPDATE and DELETE write tape.stored_profiles';

CREATE TRIGGER profiles_change INSTEAD OF INSERT OR UPDATE OR DELETE ON tape.profiles
  FOR EACH ROW EXECUTE FUNCTION tape.profiles_change();

CREATE FUNCTION tape.profile(name text) RETURNS tape.stored_profiles
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
  p tape.stored_profiles;
BEGIN
  SELECT s.* INTO p FROM tape.stored_profiles s WHERE s.profile = name;
  IF NOT FOUND THEN
    SELECT b.* INTO p FROM tape.builtin_profiles() b WHERE b.profile = name;
  END IF;
  IF p.profile IS NULL THEN
    RAISE EXCEPTION 'profile "%" does not exist', name
      USING ERRCODE = 'undefined_object',
            HINT = format('The profiles are %s (SELECT * FROM tape.profiles).',
                          (SELECT string_agg(x.profile, ', ' ORDER BY x.profile) FROM tape.profiles x));
  END IF;
  RETURN p;
END
$$;

COMMENT ON FUNCTION tape.profile(text) IS 'the rules of a profile (as changed by the user, else built in); an error naming the profiles if it does not exist';

CREATE FUNCTION tape.copy_profile(source text, target text) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $$
DECLARE
  p tape.stored_profiles := tape.profile(source);
BEGIN
  p.profile := target;
  p.description := format('a copy of %s', source);
  INSERT INTO tape.profiles SELECT (p).*;
END
$$;

COMMENT ON FUNCTION tape.copy_profile(text, text) IS 'create a profile with the rules of another, to change it: SELECT tape.copy_profile(''core'', ''mine''); UPDATE tape.profiles SET ... WHERE profile = ''mine''';
