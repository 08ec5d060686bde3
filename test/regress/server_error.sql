-- Shared by the tests of errors of the server itself (store, capture): a row trigger that
-- raises, for rows of ticker TG_ARGV[0], the error PostgreSQL itself raises for the SQLSTATE of
-- setting regress.server_error (a full disk, no memory, an I/O error; else an error of the row's
-- own).
CREATE OR REPLACE FUNCTION regress.server_error() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  state text := current_setting('regress.server_error');
BEGIN
  IF NEW.ticker = TG_ARGV[0] THEN
    RAISE EXCEPTION '%', CASE state
                           WHEN '53100' THEN 'could not extend file "base/16384/16385": No space left on device'
                           WHEN '53200' THEN 'out of memory'
                           WHEN '58030' THEN 'could not read block 0 in file "base/16384/16385": Input/output error'
                           ELSE 'value out of range' END
      USING ERRCODE = state,
            DETAIL = CASE state WHEN '53200' THEN 'Failed on request of size 8192.' ELSE '' END,
            HINT = CASE state WHEN '53100' THEN 'Check free disk space.' ELSE '' END;
  END IF;
  RETURN NEW;
END
$$;
