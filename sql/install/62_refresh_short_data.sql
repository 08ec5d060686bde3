
-- tape.refresh_short_data: short interest and short volume into tape.short_interest and
-- tape.short_volume (loaded like the corporate actions: see tape.reference_stores())

CREATE PROCEDURE tape.refresh_short_data(from_date date DEFAULT NULL, to_date date DEFAULT NULL,
                                         tickers text[] DEFAULT NULL, force boolean DEFAULT false,
                                         "join" boolean DEFAULT false)
LANGUAGE plpgsql
AS $$
BEGIN
  CALL tape.require_transaction_control('tape.refresh_short_data');
  CALL tape.refresh_reference('short_data', 'tape.refresh_short_data', from_date, to_date,
                              tickers, force, "join");
END
$$;

COMMENT ON PROCEDURE tape.refresh_short_data(date, date, text[], boolean, boolean) IS 'load the short interest (per settlement date) and daily short volume from from_date to to_date (default today) of the whole market (or of the tickers named) into tape.short_interest and tape.short_volume';
