-- Shared by the benchmarks over bench/gen_ticks.py's windows (\set ticks_schema, then \i): its
-- trades and quotes loaded into the tables trades and quotes of schema :ticks_schema, with the
-- columns of polygon.trades and polygon.quotes.
CREATE TABLE :"ticks_schema".trades (
    ticker text, ts timestamptz, sip_timestamp bigint, participant_timestamp bigint, trf_timestamp bigint,
    price float8, size float8, exchange int, trf_id int, tape int, conditions int[], correction int,
    id text, sequence_number bigint);
CREATE TABLE :"ticks_schema".quotes (
    ticker text, ts timestamptz, sip_timestamp bigint, participant_timestamp bigint, trf_timestamp bigint,
    bid_price float8, bid_size float8, bid_exchange int, ask_price float8, ask_size float8, ask_exchange int,
    conditions int[], indicators int[], sequence_number bigint, tape int);
\set trades_csv :out '/ticks/trades.csv'
\set quotes_csv :out '/ticks/quotes.csv'
COPY :"ticks_schema".trades FROM :'trades_csv' (FORMAT csv);
COPY :"ticks_schema".quotes FROM :'quotes_csv' (FORMAT csv);
