
-- tape.refresh_daily: every refresh of the last trading days, in order, for one pg_cron job

CREATE PROCEDURE tape.refresh_daily(trading_days integer DEFAULT 5, minute_bars boolean DEFAULT true,
                                    detect boolean DEFAULT true)
LANGUAGE plpgsql
AS $$
DECLARE
  from_date date;
BEGIN
  CALL tape.require_transaction_control('tape.refresh_daily');
  IF trading_days IS NULL OR trading_days < 1 THEN
    RAISE EXCEPTION 'trading_days must be 1 or more' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  from_date := tape.add_trading_days(tape.ny_today(), -trading_days);
  -- next months' partitions, made before anything needs them
  PERFORM tape.create_partitions();
  COMMIT;
  -- splits first: the universe takes a snapshot of the shares after each one
  CALL tape.refresh_corporate_actions(from_date);
  CALL tape.refresh_universe(from_date);
  CALL tape.refresh_bars('day', from_date);
  IF minute_bars THEN
    CALL tape.refresh_bars('minute', from_date);
  END IF;
  CALL tape.refresh_short_data(from_date);
  CALL tape.refresh_news(from_date);
  IF detect THEN
    CALL tape.detect_all(from_date);
  END IF;
END
$$;

COMMENT ON PROCEDURE tape.refresh_daily(integer, boolean, boolean) IS 'the daily job: partitions ahead, then the corporate actions, universe, day bars, minute bars, short data, news and the detectors over the last trading_days trading days (each a refresh of its own: what is settled is not fetched again)';
