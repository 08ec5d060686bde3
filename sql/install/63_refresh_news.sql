
-- tape.refresh_news: the news of the tickers into tape.news

CREATE FUNCTION tape.load_news(units tape.work_queue[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $$
DECLARE
  u tape.work_queue := units[1];
  n bigint;
BEGIN
  -- an article names several tickers: it is stored once, whichever unit brought it
  EXECUTE format($q$
    WITH f AS MATERIALIZED (
      SELECT DISTINCT ON (id) id, published_utc, title, author, description, article_url, tickers, keywords,
             publisher_name, insights
        FROM %s WHERE ticker = ANY ($1) AND published_utc >= $2 AND published_utc < $3 AND id IS NOT NULL
       ORDER BY id),
    up AS (
      INSERT INTO tape.news AS t (id, published_utc, title, author, description, article_url, tickers, keywords,
                                  publisher_name, insights, fetched_at)
      SELECT id, published_utc, title, author, description, article_url, tickers, keywords, publisher_name,
             insights, now() FROM f
      ON CONFLICT (id) DO UPDATE
         SET published_utc = EXCLUDED.published_utc, title = EXCLUDED.title, author = EXCLUDED.author,
             description = EXCLUDED.description, article_url = EXCLUDED.article_url, tickers = EXCLUDED.tickers,
             keywords = EXCLUDED.keywords, publisher_name = EXCLUDED.publisher_name, insights = EXCLUDED.insights,
             fetched_at = EXCLUDED.fetched_at)
    SELECT count(*) FROM f$q$, tape.foreign_table('news'))
    INTO n USING ARRAY(SELECT x.ticker FROM unnest(units) x), tape.unit_fetch_from(u), u.range_end;
  RETURN n;
END
$$;

COMMENT ON FUNCTION tape.load_news(tape.work_queue[]) IS 'loader of news units: the articles naming some tickers over one month (one request series per ticker)';

INSERT INTO tape.unit_kinds (queue, refresh, loader, batch_by, unit, description) VALUES
  ('news', 'news', 'tape.load_news(tape.work_queue[])', 'tickers', 'ticker x month',
   'the news articles naming a ticker in a month');

CREATE PROCEDURE tape.refresh_news(from_date date DEFAULT NULL, to_date date DEFAULT NULL,
                                   tickers text[] DEFAULT NULL, force boolean DEFAULT false,
                                   "join" boolean DEFAULT false)
LANGUAGE plpgsql
AS $$
DECLARE
  last date := least(coalesce(to_date, tape.ny_today()), tape.ny_today());
  units text;
  arguments jsonb;
BEGIN
  CALL tape.require_transaction_control('tape.refresh_news');
  from_date := tape.check_refresh_arguments('tape.refresh_news', from_date, last, tickers, 'the universe of each month');
  arguments := jsonb_build_object('from_date', from_date, 'to_date', CASE WHEN from_date IS NOT NULL THEN last END,
                                  'tickers', tickers, 'force', force);
  PERFORM tape.foreign_table('news');
  IF from_date IS NULL THEN
    units := tape.queued_units(ARRAY['news']);
  ELSE
    IF tickers IS NULL THEN
      PERFORM tape.require_universe(from_date, last, 'tape.refresh_news');
    END IF;
    units := tape.ticker_period_units('news', 'month', from_date, last, tickers);
  END IF;
  CALL tape.run_refresh('news', 'tape.refresh_news', arguments, "join", force, NULL, ARRAY[units]);
END
$$;

COMMENT ON PROCEDURE tape.refresh_news(date, date, text[], boolean, boolean) IS 'load the news naming the tickers (NULL: the universe of each month) published from from_date to to_date (default today) into tape.news';
