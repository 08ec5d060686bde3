
-- the local store: settings, reference data, bars and events, filled by the refresh procedures

-- settings: built-in defaults, overridden by the rows of tape.settings

CREATE FUNCTION tape.setting_defaults(
    OUT name text, OUT type text, OUT default_value text, OUT description text)
RETURNS SETOF record
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  VALUES
    ('foreign_schema', 'name', 'polygon',
     'the schema holding the polygon_fdw foreign tables the refreshes read (IMPORT FOREIGN SCHEMA polygon FROM SERVER ... INTO this schema)'),
    ('universe.min_close', 'numeric', '0.5', 'the lowest close (as traded, unadjusted) of a small cap, USD'),
    ('universe.max_close', 'numeric', '20', 'the highest close (as traded, unadjusted) of a small cap, USD'),
    ('universe.min_market_cap', 'numeric', '0', 'the smallest market cap (close x shares outstanding that day), USD'),
    ('universe.max_market_cap', 'numeric', '2000000000', 'market caps at or above this are not small caps, USD'),
    ('universe.types', 'list', 'CS', 'ticker types of the universe (Polygon types: CS common stock; ETF, ADRC, WARRANT, RIGHT, UNIT, PFD, ... are left out)'),
    ('universe.exchanges', 'list', 'XNAS,XNYS,XASE,ARCX,BATS', 'primary exchanges (MIC) of the universe: the national exchanges; OTC markets are left out'),
    ('universe.shares_every', 'period', 'quarter', 'how often tape.refresh_universe takes a snapshot of a candidate''s shares outstanding (month, quarter or year), besides one after each split'),
    ('refresh.batch_size', 'integer', '0', 'units fetched by one scan (several tickers in one IN list, several days in one range); 0 = automatic: 1 when the server''s requests_per_minute is below 240, else 8 x its concurrent requests'),
    ('refresh.max_attempts', 'integer', '3', 'attempts of a failing unit within one run; the next run tries again'),
    ('refresh.retry_delay', 'interval', '30 seconds', 'wait before the second attempt of a failed unit; it doubles with each attempt'),
    ('refresh.stop_after_failures', 'integer', '10', 'a run in which this many units failed and none succeeded stops with the last error (a wrong key, the API down)'),
    ('detect.warmup_days', 'integer', '30', 'trading days of minute bars read before a month by tape.detect_all, so the intraday baselines and the daily ATR start warm'),
    ('partitions.months_ahead', 'integer', '3', 'months of bar partitions tape.create_partitions() keeps ready beyond today when called without arguments'),
    ('manifest.spread_minutes', 'integer', '30', 'minute bars (the event''s and those before it) from which tape.build_manifest estimates the spread of an event (Abdi-Ranaldo close-high-low estimator)'),
    ('capture.quotes_per_trade', 'positive', '1.8', 'quotes (NBBO updates) the capture plan expects per trade, to estimate quotes from the bars'' transactions; measured on the mock; a guess for real data (see tape.capture_status)'),
    ('capture.json_bytes_per_trade', 'positive', '200', 'bytes of JSON the API sends per trade (the real fixtures: 193-252, the mock: 199)'),
    ('capture.json_bytes_per_quote', 'positive', '217', 'bytes of JSON the API sends per quote (the real fixtures: 217)'),
    ('capture.stored_bytes_per_trade', 'positive', '12', 'bytes a stored trade takes in a tick block (docs/storage.md), to estimate the disk a capture needs'),
    ('capture.stored_bytes_per_quote', 'positive', '12', 'bytes a stored quote takes in a tick block (docs/storage.md), to estimate the disk a capture needs'),
    ('capture.request_seconds', 'positive', '0.2', 'seconds a request costs besides its bytes (latency and the API''s work), in the capture plan''s cost'),
    ('capture.json_bytes_per_second', 'positive', '20000000', 'bytes of JSON a request series delivers per second, decoded, in the capture plan''s cost'),
    ('capture.disk_budget', 'size', '0', 'bytes of tick blocks tape.capture_ticks may store in all (tape.tick_windows) before it stops, such as 20 GB; 0 = no budget'),
    ('qa.nbbo_tolerance_bps', 'non-negative', '50', 'tape.capture_qa: a trade is outside the NBBO when priced beyond the bid or the ask by more than this, in bps of the mid'),
    ('qa.max_outside_nbbo_pct', 'percent', '5', 'a captured window is suspect when more than this share of its priced trades with an NBBO are outside it'),
    ('qa.max_crossed_quotes_pct', 'percent', '1', 'a captured window is suspect when more than this share of its quotes are crossed (ask < bid)'),
    ('qa.max_locked_quotes_pct', 'percent', '10', 'a captured window is suspect when more than this share of its quotes are locked (ask = bid)'),
    ('qa.max_out_of_order', 'integer', '0', 'a captured window is suspect when more than this many of its trades, or of its quotes, have a sequence number below the row before them'),
    ('qa.max_duplicates', 'integer', '0', 'a captured window is suspect when more than this many of its trades, or of its quotes, repeat a sequence number'),
    ('qa.max_rth_gap_seconds', 'integer', '300', 'a captured window is suspect when its regular-session part has a stretch longer than this without a trade (a whole window without one always is)')
$$;

COMMENT ON FUNCTION tape.setting_defaults() IS 'every setting of the store and the refreshes: its type, built-in default and meaning';

CREATE FUNCTION tape.setting_is_valid(name text, value text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
  kind text;
BEGIN
  SELECT d.type INTO kind FROM tape.setting_defaults() d WHERE d.name = setting_is_valid.name;
  IF kind IS NULL THEN
    RAISE EXCEPTION 'unknown setting "%"', name
      USING ERRCODE = 'undefined_object',
            HINT = 'SELECT name FROM tape.configuration lists the settings.';
  END IF;
  BEGIN
    CASE kind
      WHEN 'numeric' THEN PERFORM value::numeric;
      WHEN 'non-negative' THEN
        IF value::numeric < 0 THEN
          RAISE EXCEPTION USING ERRCODE = 'invalid_text_representation';
        END IF;
      WHEN 'percent' THEN
        IF value::numeric NOT BETWEEN 0 AND 100 THEN
          RAISE EXCEPTION USING ERRCODE = 'invalid_text_representation';
        END IF;
      WHEN 'positive' THEN
        IF value::numeric <= 0 THEN
          RAISE EXCEPTION USING ERRCODE = 'invalid_text_representation';
        END IF;
      WHEN 'integer' THEN
        IF value !~ '^[0-9]+$' OR value::integer < 0 THEN  -- digits only: not '+5', ' 5' or '5.0'
          RAISE EXCEPTION USING ERRCODE = 'invalid_text_representation';
        END IF;
      WHEN 'interval' THEN PERFORM value::interval;
      WHEN 'size' THEN
        IF pg_catalog.pg_size_bytes(value) < 0 THEN
          RAISE EXCEPTION USING ERRCODE = 'invalid_text_representation';
        END IF;
      WHEN 'period' THEN
        IF value NOT IN ('month', 'quarter', 'year') THEN
          RAISE EXCEPTION USING ERRCODE = 'invalid_text_representation';
        END IF;
      WHEN 'name', 'list' THEN
        IF btrim(value) = '' THEN
          RAISE EXCEPTION USING ERRCODE = 'invalid_text_representation';
        END IF;
    END CASE;
  EXCEPTION WHEN data_exception THEN
    RAISE EXCEPTION 'invalid value "%" for setting "%"', value, name
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('It must be %s.', CASE kind
                       WHEN 'numeric' THEN 'a number'
                       WHEN 'positive' THEN 'a number above 0'
                       WHEN 'non-negative' THEN 'a number, 0 or more'
                       WHEN 'percent' THEN 'a percentage from 0 to 100'
                       WHEN 'integer' THEN 'a whole number, 0 or more'
                       WHEN 'interval' THEN 'an interval such as ''30 seconds'''
                       WHEN 'size' THEN 'a size such as ''20 GB'' or a number of bytes, 0 or more'
                       WHEN 'period' THEN 'month, quarter or year'
                       WHEN 'name' THEN 'a schema name'
                       ELSE 'a comma-separated list' END);
  END;
  RETURN true;
END
$$;

COMMENT ON FUNCTION tape.setting_is_valid(text, text) IS 'true if value suits the setting; otherwise an error that says what it must be';

CREATE FUNCTION tape.setting_ranges(OUT name text, OUT min_value text, OUT max_value text)
RETURNS SETOF record
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  -- the settings that size the work of a call, each within a range that keeps it bounded
  VALUES
    ('refresh.batch_size', '0', '1000'),            -- units in one scan's IN list or range
    ('refresh.max_attempts', '1', '10'),            -- with the doubling delay, the waits of a run
    ('refresh.retry_delay', '0', '1 hour'),
    ('detect.warmup_days', '0', '100'),             -- the intraday detectors keep 100 days at most
    ('partitions.months_ahead', '0', '120'),        -- partitions made by one call
    ('manifest.spread_minutes', '2', '960'),        -- minute bars read per event (a day has 960)
    -- the capture plan's costs, each within what a request series can be (beyond, its
    -- requests and hours overflow their types)
    ('capture.quotes_per_trade', '0.01', '1000'),
    ('capture.json_bytes_per_trade', '10', '100000'),
    ('capture.json_bytes_per_quote', '10', '100000'),
    ('capture.stored_bytes_per_trade', '1', '10000'),
    ('capture.stored_bytes_per_quote', '1', '10000'),
    ('capture.request_seconds', '0.001', '3600'),
    ('capture.json_bytes_per_second', '1000', '1000000000000')
$$;

COMMENT ON FUNCTION tape.setting_ranges() IS 'the settings that size the work of a call (batches, attempts, waits, warm-up, partitions, bars per event) or the capture plan''s estimates (quotes per trade, bytes, request costs), with the range each must keep, in the setting''s own type';

CREATE FUNCTION tape.setting_in_range(name text, value text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
  r record;
  outside boolean;
BEGIN
  SELECT x.min_value, x.max_value, d.type INTO r
    FROM tape.setting_ranges() x JOIN tape.setting_defaults() d USING (name)
   WHERE x.name = setting_in_range.name;
  IF NOT FOUND THEN
    RETURN true;
  END IF;
  BEGIN
    outside := CASE r.type
                 WHEN 'integer' THEN value::integer NOT BETWEEN r.min_value::integer AND r.max_value::integer
                 WHEN 'interval' THEN value::interval NOT BETWEEN r.min_value::interval AND r.max_value::interval
                 ELSE value::numeric NOT BETWEEN r.min_value::numeric AND r.max_value::numeric
               END;
  EXCEPTION WHEN data_exception THEN
    RETURN true;    -- not of the setting's type: tape.setting_is_valid says so
  END;
  IF outside THEN
    RAISE EXCEPTION 'invalid value "%" for setting "%"', value, name
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('It must be %s from %s to %s.',
                            CASE r.type WHEN 'integer' THEN 'a whole number' WHEN 'interval' THEN 'an interval'
                                        ELSE 'a number' END,
                            r.min_value, r.max_value);
  END IF;
  RETURN true;
END
$$;

COMMENT ON FUNCTION tape.setting_in_range(text, text) IS 'true if a valid value of a setting keeps the setting''s range (tape.setting_ranges()); otherwise an error that says the range';

CREATE TABLE tape.settings (
    name text PRIMARY KEY,
    value text NOT NULL,
    CHECK (tape.setting_in_range(name, value) AND tape.setting_is_valid(name, value))
);

COMMENT ON TABLE tape.settings IS 'the settings changed from their defaults (see the view tape.configuration, which can be updated); kept by pg_dump';

SELECT pg_catalog.pg_extension_config_dump('tape.settings', '');

CREATE VIEW tape.configuration AS
SELECT d.name, coalesce(s.value, d.default_value) AS value, d.default_value, s.name IS NOT NULL AS changed,
       d.type, d.description, r.min_value, r.max_value
  FROM tape.setting_defaults() d
  LEFT JOIN tape.settings s ON s.name = d.name
  LEFT JOIN tape.setting_ranges() r ON r.name = d.name
 ORDER BY d.name;

COMMENT ON VIEW tape.configuration IS 'every setting with its value and default (and, for those that size the work of a call, the range it must keep); UPDATE it to change a setting, set value to NULL to go back to the default';

CREATE FUNCTION tape.configuration_update() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF NEW.name IS DISTINCT FROM OLD.name THEN
    RAISE EXCEPTION 'the name of a setting cannot change' USING ERRCODE = 'feature_not_supported';
  END IF;
  IF NEW.value IS NULL OR NEW.value = OLD.default_value THEN
    DELETE FROM tape.settings WHERE name = OLD.name;
  ELSE
    INSERT INTO tape.settings (name, value) VALUES (OLD.name, NEW.value)
    ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value;
  END IF;
  RETURN NEW;
END
$$;

COMMENT ON FUNCTION tape.configuration_update() IS 'trigger of the view tape.configuration: an UPDATE of a value writes tape.settings';

CREATE TRIGGER configuration_update INSTEAD OF UPDATE ON tape.configuration
  FOR EACH ROW EXECUTE FUNCTION tape.configuration_update();

CREATE FUNCTION tape.setting(name text) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
  v text;
BEGIN
  SELECT s.value INTO v FROM tape.settings s WHERE s.name = setting.name;
  IF FOUND THEN
    RETURN v;
  END IF;
  SELECT d.default_value INTO v FROM tape.setting_defaults() d WHERE d.name = setting.name;
  IF NOT FOUND THEN
    PERFORM tape.setting_is_valid(name, v);    -- the error for an unknown setting
  END IF;
  RETURN v;
END
$$;

COMMENT ON FUNCTION tape.setting(text) IS 'the value of a setting (tape.settings, else its default); an error for an unknown name';

-- New York time: the store's days begin at midnight in New York

CREATE FUNCTION tape.ny_midnight(day date) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN day::timestamp AT TIME ZONE 'America/New_York';

COMMENT ON FUNCTION tape.ny_midnight(date) IS 'the start of a New York day as a timestamptz';

CREATE FUNCTION tape.ny_today() RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
RETURN (now() AT TIME ZONE 'America/New_York')::date;

COMMENT ON FUNCTION tape.ny_today() IS 'today''s date in New York (what is before it is settled history)';

-- reference data

CREATE TABLE tape.tickers (
    ticker text NOT NULL,
    delisted_on date NOT NULL DEFAULT 'infinity',
    name text,
    type text,
    market text,
    primary_exchange text,
    active boolean NOT NULL,
    list_date date,
    delisted_utc timestamptz,
    cik text,
    composite_figi text,
    share_class_figi text,
    currency_name text,
    last_updated_utc timestamptz,
    fetched_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticker, delisted_on)
);

COMMENT ON TABLE tape.tickers IS 'stock tickers, active and delisted (one row per listing: a symbol reused after a delisting has a row per life); filled by tape.refresh_universe()';
COMMENT ON COLUMN tape.tickers.delisted_on IS 'the New York date of delisted_utc; infinity while active';
COMMENT ON COLUMN tape.tickers.list_date IS 'from the ticker''s details, known once tape.refresh_universe() has taken a snapshot of its shares';

CREATE TABLE tape.ticker_shares (
    ticker text NOT NULL,
    as_of date NOT NULL,
    shares_outstanding double precision,
    weighted_shares_outstanding double precision,
    market_cap double precision,
    fetched_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticker, as_of)
);

COMMENT ON TABLE tape.ticker_shares IS 'snapshots of shares outstanding (share class) per ticker and date, from ticker_details as of that date; see tape.shares_outstanding()';
COMMENT ON COLUMN tape.ticker_shares.market_cap IS 'the API''s market cap as of that date';

CREATE TABLE tape.splits (
    ticker text NOT NULL,
    execution_date date NOT NULL,
    split_from double precision NOT NULL,
    split_to double precision NOT NULL,
    id text,
    fetched_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticker, execution_date)
);

COMMENT ON TABLE tape.splits IS 'stock splits (a 2-for-1 split is split_from 1, split_to 2; split_from > split_to is a reverse split)';

CREATE TABLE tape.dividends (
    ticker text NOT NULL,
    ex_dividend_date date NOT NULL,
    dividend_type text NOT NULL,
    cash_amount double precision,
    currency text,
    declaration_date date,
    record_date date,
    pay_date date,
    frequency integer,
    id text,
    fetched_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticker, ex_dividend_date, dividend_type)
);

COMMENT ON TABLE tape.dividends IS 'cash dividends (dividend_type CD regular, SC special, LT/ST capital gains); bars are never adjusted for them';

CREATE TABLE tape.short_interest (
    ticker text NOT NULL,
    settlement_date date NOT NULL,
    short_interest double precision,
    avg_daily_volume double precision,
    days_to_cover double precision,
    fetched_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticker, settlement_date)
);

COMMENT ON TABLE tape.short_interest IS 'short interest per settlement date (twice a month), shares';

CREATE TABLE tape.short_volume (
    ticker text NOT NULL,
    date date NOT NULL,
    short_volume double precision,
    exempt_volume double precision,
    non_exempt_volume double precision,
    total_volume double precision,
    short_volume_ratio double precision,
    fetched_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticker, date)
);

COMMENT ON TABLE tape.short_volume IS 'daily short volume (all venues); short_volume_ratio is a percentage of total_volume';

CREATE TABLE tape.news (
    id text PRIMARY KEY,
    published_utc timestamptz NOT NULL,
    title text,
    author text,
    description text,
    article_url text,
    tickers text[],
    keywords text[],
    publisher_name text,
    insights jsonb,
    fetched_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX news_tickers_idx ON tape.news USING gin (tickers);
CREATE INDEX news_published_idx ON tape.news (published_utc);

COMMENT ON TABLE tape.news IS 'news articles, once each whatever the number of tickers they name; WHERE tickers @> ARRAY[''ACME''] finds a ticker''s';

-- bars, partitioned by time (see tape.create_partitions())
--
-- The primary key is on each partition, made with it: (ticker, ts, adjusted) decides the
-- partition, so it is unique in the table.  A key on the parent would be an index of the
-- extension that pg_dump cannot restore beside the partitions' own.  adjusted is part of
-- the key: the raw and the split-adjusted bar of a minute are two rows, loaded by units
-- of their own, and loading one never replaces the other.

CREATE TABLE tape.market_daily (
    day date NOT NULL,
    ticker text NOT NULL,
    open double precision,
    high double precision,
    low double precision,
    close double precision,
    volume double precision,
    vwap double precision,
    transactions integer
) PARTITION BY RANGE (day);

COMMENT ON TABLE tape.market_daily IS 'the day bar of every US stock (no OTC) on each trading day, as traded (unadjusted): what the universe is computed from; one request per day (grouped_daily)';

CREATE TABLE tape.bars_1d (
    ticker text NOT NULL,
    ts timestamptz NOT NULL,
    open double precision,
    high double precision,
    low double precision,
    close double precision,
    volume double precision,
    vwap double precision,
    transactions integer,
    adjusted boolean NOT NULL
) PARTITION BY RANGE (ts);

COMMENT ON TABLE tape.bars_1d IS 'day bars (ts at 00:00 New York), one partition a year; adjusted says whether prices and volumes were split-adjusted when fetched (the raw and the adjusted bar of a day are two rows: WHERE adjusted reads the adjusted ones)';

CREATE TABLE tape.bars_1h (LIKE tape.bars_1d) PARTITION BY RANGE (ts);

COMMENT ON TABLE tape.bars_1h IS 'hour bars (ts at the start of the hour), one partition a year';

CREATE TABLE tape.bars_1m (LIKE tape.bars_1d) PARTITION BY RANGE (ts);

COMMENT ON TABLE tape.bars_1m IS 'minute bars (ts at the start of the minute, 04:00-20:00 New York), one partition a month';

-- events found by tape.detect_all()

CREATE TABLE tape.events_daily (
    LIKE tape.daily_event,
    detected_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticker, trading_day, event_type, direction)
);

COMMENT ON TABLE tape.events_daily IS 'Stage-1 and E1-E11 events of the day bars in tape.bars_1d (columns of tape.daily_event)';

CREATE TABLE tape.events_intraday (
    LIKE tape.intraday_event,
    detected_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticker, ts, event_type, direction)
);

CREATE INDEX events_intraday_day_idx ON tape.events_intraday (ticker, trading_day);

COMMENT ON TABLE tape.events_intraday IS 'intraday events of the minute bars in tape.bars_1m (columns of tape.intraday_event)';

-- pg_dump keeps what the refreshes loaded (the partitions of the bars tables are
-- ordinary tables of schema tape, dumped with their data)

SELECT pg_catalog.pg_extension_config_dump('tape.tickers', '');
SELECT pg_catalog.pg_extension_config_dump('tape.ticker_shares', '');
SELECT pg_catalog.pg_extension_config_dump('tape.splits', '');
SELECT pg_catalog.pg_extension_config_dump('tape.dividends', '');
SELECT pg_catalog.pg_extension_config_dump('tape.short_interest', '');
SELECT pg_catalog.pg_extension_config_dump('tape.short_volume', '');
SELECT pg_catalog.pg_extension_config_dump('tape.news', '');
SELECT pg_catalog.pg_extension_config_dump('tape.events_daily', '');
SELECT pg_catalog.pg_extension_config_dump('tape.events_intraday', '');

-- partitions

CREATE FUNCTION tape.partition_spans(
    OUT parent regclass, OUT period text, OUT key_type regtype, OUT primary_key text)
RETURNS SETOF record
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  VALUES ('tape.bars_1m'::regclass, 'month', 'timestamptz'::regtype, 'ticker, ts, adjusted'),
         ('tape.bars_1h', 'year', 'timestamptz', 'ticker, ts, adjusted'),
         ('tape.bars_1d', 'year', 'timestamptz', 'ticker, ts, adjusted'),
         ('tape.market_daily', 'year', 'date', 'day, ticker')
$$;

COMMENT ON FUNCTION tape.partition_spans() IS 'the time-partitioned tables of the store, the span of one partition and the primary key each partition has';

CREATE FUNCTION tape.earliest_market_date() RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN date '1970-01-01';

COMMENT ON FUNCTION tape.earliest_market_date() IS 'the first day market data can exist (the API''s times are Unix times, as polygon_fdw knows): the refreshes and the partitions start there at the earliest';

CREATE FUNCTION tape.create_partitions(from_date date DEFAULT NULL, to_date date DEFAULT NULL,
                                       parent regclass DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $$
DECLARE
  p record;
  lo date;
  hi date;
  first date := coalesce(from_date, tape.ny_today());
  last date := coalesce(to_date, (tape.ny_today() + make_interval(months => tape.setting('partitions.months_ahead')::integer))::date);
  part text;
  created integer := 0;
BEGIN
  IF last = 'infinity' THEN
    RAISE EXCEPTION 'to_date of the partitions cannot be infinity'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Name the last day; tape.create_partitions() with no dates keeps partitions.months_ahead months ready.';
  END IF;
  IF first > last THEN
    RAISE EXCEPTION 'from_date % is after to_date %', first, last USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF parent IS NOT NULL AND NOT EXISTS (SELECT FROM tape.partition_spans() s WHERE s.parent = create_partitions.parent) THEN
    RAISE EXCEPTION '% is not a partitioned table of the store', parent
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'SELECT parent FROM tape.partition_spans() lists them.';
  END IF;
  -- no market data before the earliest market date (an early year, a date BC, -infinity):
  -- no partition for it either
  first := greatest(first, tape.earliest_market_date());
  FOR p IN SELECT * FROM tape.partition_spans() s WHERE create_partitions.parent IS NULL OR s.parent = create_partitions.parent LOOP
    lo := date_trunc(p.period, first::timestamp)::date;
    WHILE lo <= last LOOP
      hi := (lo + ('1 ' || p.period)::interval)::date;
      part := format('%s_%s', (SELECT relname FROM pg_class WHERE oid = p.parent),
                     to_char(lo, CASE p.period WHEN 'month' THEN 'YYYY_MM' ELSE 'YYYY' END));
      IF to_regclass(format('tape.%I', part)) IS NULL THEN
        IF p.key_type = 'date'::regtype THEN
          EXECUTE format('CREATE TABLE tape.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                         part, p.parent, lo, hi);
        ELSE
          EXECUTE format('CREATE TABLE tape.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                         part, p.parent, tape.ny_midnight(lo), tape.ny_midnight(hi));
        END IF;
        EXECUTE format('ALTER TABLE tape.%I ADD PRIMARY KEY (%s)', part, p.primary_key);
        created := created + 1;
      END IF;
      lo := hi;
    END LOOP;
  END LOOP;
  RETURN created;
END
$$;

COMMENT ON FUNCTION tape.create_partitions(date, date, regclass) IS 'create the missing partitions of the bars tables (or of the one named) covering from_date to to_date (default: today to partitions.months_ahead months ahead; nothing before tape.earliest_market_date()); returns how many';

CREATE FUNCTION tape.partition_steps(parent regclass, from_date date, to_date date) RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
-- one statement a year, each committed by tape.run_refresh before the next: the locks of a
-- transaction stay those of a year's partitions however long the range
RETURN ARRAY(
  SELECT format('SELECT tape.create_partitions(%L, %L, %L)', greatest(y::date, f), least((y + interval '1 year')::date - 1, to_date), parent)
    FROM (SELECT greatest(from_date, tape.earliest_market_date()) AS f) c,
         generate_series(date_trunc('year', c.f::timestamp), to_date::timestamp, interval '1 year') AS y
   WHERE isfinite(from_date) AND isfinite(to_date)
   ORDER BY y);

COMMENT ON FUNCTION tape.partition_steps(regclass, date, date) IS 'the statements that make the partitions of a table from from_date to to_date a year at a time (the prepare steps of a refresh)';
