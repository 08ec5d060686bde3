
# The helpers of a run on the work queue (background workers that join the run of the
# session that called the procedure): tape.detect_all with helpers stores exactly the
# events, and says exactly the NOTICEs, of a run in one session; the helpers run in the
# caller's database, as its role and with its settings; one row of tape.progress counts
# the whole run; a helper's error is the caller's error; Ctrl-C in the caller stops the
# helpers (their units in flight are done by the next run); a helper killed with -9 takes
# the server through crash recovery and its unit is redone by the next run; without a
# free background worker slot the run goes on in the caller's session, with a NOTICE.

use strict;
use warnings;

use Cwd;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use TapeTest;

# a helper killed with -9 makes the server restart, as servers do
my $node = new_node('helpers', preload => 1,
	conf => "restart_after_crash = on\nmax_worker_processes = 8");
my $top = getcwd();

# --- detect_all: the same events and NOTICEs with and without helpers ---------------
# 12 tickers x 27 trading days of test/gen/smallcaps.py's planted bars, their day bars the
# sums of their regular hours
$node->safe_psql(
	'postgres', qq{
CREATE TEMP TABLE raw (variant "char", ticker text, ts timestamptz, open float8, high float8,
                       low float8, close float8, volume float8, vwap float8, transactions float8);
COPY raw FROM PROGRAM 'python3 $top/test/gen/smallcaps.py bars --seed 7 --tickers 12 --days 27' WITH (FORMAT csv);
SELECT tape.create_partitions('2025-10-01', '2025-12-31');
INSERT INTO tape.bars_1m
SELECT ticker, ts, open, high, low, close, volume, vwap, transactions::integer, true FROM raw WHERE variant IN ('b', 'p');
INSERT INTO tape.bars_1d
SELECT ticker, tape.trading_day(ts)::timestamp AT TIME ZONE 'America/New_York',
       (array_agg(open ORDER BY ts))[1], max(high), min(low), (array_agg(close ORDER BY ts DESC))[1],
       sum(volume), sum(vwap * volume) / sum(volume), sum(transactions)::integer, true
  FROM raw WHERE variant IN ('b', 'p') AND tape.session_of(ts) = 'RTH' GROUP BY ticker, tape.trading_day(ts);
});

my $events = q{SELECT count(*) || ' ' || md5(string_agg(e::text, E'\n' ORDER BY e::text))
  FROM (SELECT ticker, ts, event_type, direction, session, score FROM tape.events_intraday
        UNION ALL SELECT ticker, trading_day::timestamptz, event_type, direction, NULL, rvol FROM tape.events_daily) e};
my $detect = "CALL tape.detect_all('2025-10-01', '2025-12-31', force => true)";

my ($ret, $stdout, $stderr) =
  $node->psql('postgres', "SET tape.max_workers_per_run = 0; $detect");
is($ret, 0, 'detect_all in one session succeeds');
my $alone = $node->safe_psql('postgres', $events);
like($alone, qr/^[0-9]{3,} [0-9a-f]{32}$/, "it found events ($alone)");
(my $alone_notices = $stderr) =~ s/, in [0-9:]+$//mg;
is($node->safe_psql('postgres', 'SELECT workers FROM tape.refresh_runs ORDER BY run_id DESC LIMIT 1'),
	'1', 'one session worked on it');

($ret, $stdout, $stderr) = $node->psql('postgres', "SET tape.max_workers_per_run = 3; $detect");
is($ret, 0, 'detect_all with three helpers succeeds');
is($node->safe_psql('postgres', $events), $alone, 'it stores exactly the events of the run in one session');
(my $helped_notices = $stderr) =~ s/, in [0-9:]+$//mg;
is($helped_notices, $alone_notices,
	'it says exactly what the run in one session said (units, rows, the days without history)');
like($helped_notices, qr/ticker-days judged had no volume baseline/, 'the helpers\' days without history are counted');
my $run = $node->safe_psql('postgres',
	'SELECT run_id || \'|\' || leader_pid || \'|\' || workers FROM tape.refresh_runs ORDER BY run_id DESC LIMIT 1');
my ($run_id, $leader, $workers) = split /\|/, $run;
is($workers, 4, 'the run counts its leader and three helpers');
my $by = $node->safe_psql('postgres',
	"SELECT count(DISTINCT done_by), count(*) FILTER (WHERE done_by <> $leader) > 0 FROM tape.work_queue WHERE run_id = $run_id");
like($by, qr/^[2-4]\|t$/, "units were done by the helpers beside the leader ($by)");

# --- a queue of slow units: roles, settings, progress, errors, cancel, kill -9 ---------
$node->safe_psql(
	'postgres', q{
CREATE ROLE regress_runner LOGIN;
CREATE ROLE regress_acting;
GRANT regress_acting TO regress_runner;
GRANT USAGE ON SCHEMA tape, tape_internal TO regress_acting;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA tape, tape_internal TO regress_acting;
GRANT EXECUTE ON ALL PROCEDURES IN SCHEMA tape, tape_internal TO regress_acting;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA tape TO regress_acting;
GRANT CREATE ON SCHEMA public TO regress_acting;
});
$node->safe_psql(
	'postgres', q{
SET ROLE regress_acting;
CREATE TABLE public.slow_log (unit_key text, pid integer, backend_type text, database text, session_user_ text,
                              current_user_ text, timezone text, search_path text, work_mem text, marker text);
-- the loader of the slow units: it waits, says where it runs, and fails when asked to
CREATE FUNCTION public.slow_load(units tape.work_queue[]) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  kind text := CASE WHEN tape_internal.run_is_helper() THEN 'tape run helper' ELSE 'caller' END;
BEGIN
  -- the unit in flight, for the test to see
  PERFORM set_config('application_name', 'slow ' || units[1].unit_key, true);
  PERFORM pg_sleep(current_setting('regress.unit_seconds')::float8);
  IF current_setting('regress.fail_in_helper', true) = 'on' AND kind = 'tape run helper' THEN
    RAISE EXCEPTION 'the helper ran out of memory' USING ERRCODE = 'out_of_memory', DETAIL = 'As the test asked.';
  END IF;
  INSERT INTO public.slow_log
  SELECT u.unit_key, pg_backend_pid(), kind, current_database(), session_user, current_user,
         current_setting('TimeZone'), current_setting('search_path'), current_setting('work_mem'),
         current_setting('regress.marker', true)
    FROM unnest(units) u;
  RETURN cardinality(units);
END
$$;
CREATE PROCEDURE public.slow_run(n integer) LANGUAGE plpgsql AS $$
BEGIN
  CALL tape.run_refresh('slow', 'slow_run', '{}', false, false, NULL,
    ARRAY[format($q$SELECT 'slow', 'u' || lpad(i::text, 3, '0'), NULL::text,
                          '2020-01-01'::timestamptz + i * interval '1 day', '2020-01-01'::timestamptz + (i + 1) * interval '1 day',
                          '{}'::jsonb FROM generate_series(1, %s) i$q$, n)]);
END
$$;
RESET ROLE;
INSERT INTO tape.unit_kinds (queue, refresh, loader, batch_by, batch_size, unit, description, from_local_data)
VALUES ('slow', 'slow', 'public.slow_load(tape.work_queue[])', 'none', 1, 'unit', 'a slow unit of the test', true);
});

sub slow_reset
{
	$node->safe_psql('postgres', "TRUNCATE slow_log; DELETE FROM tape.work_queue WHERE queue = 'slow'");
	return;
}

my $setup = "SET ROLE regress_acting; SET TimeZone = 'Asia/Tokyo'; SET search_path = public, tape; "
  . "SET work_mem = '7MB'; SET regress.marker = 'from the caller'; SET tape.max_workers_per_run = 2; "
  . "SET tape.progress_interval = 0";

# the helpers as the caller: its database, roles and settings; one row of tape.progress
slow_reset();
my ($h, $out, $err) = background_psql_connstr_as('regress_runner', "$setup; SET regress.unit_seconds = 0.3", 'CALL slow_run(12)');
ok($node->poll_query_until('postgres', "SELECT count(*) >= 4 FROM slow_log"), 'the slow run is under way');
my $progress = $node->safe_psql('postgres',
	"SELECT count(*), string_agg(command || ' ' || unit, ','), bool_and(total_estimate = 12) FROM tape.progress");
is($progress, '1|slow_run units|t', 'one row of tape.progress for the run, with its units');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'tape run helper'"),
	'2', 'two helpers run as background workers');
$h->finish;
like($$err, qr/NOTICE:  slow_run: 12 of 12 units done, 12 rows, 0 requests/, 'the closing NOTICE counts the helpers\' units and rows');
is($node->safe_psql('postgres',
		"SELECT count(*), count(DISTINCT unit_key), count(DISTINCT pid), count(*) FILTER (WHERE backend_type = 'tape run helper') > 0 FROM slow_log"),
	'12|12|3|t', 'every unit done once, by the caller and its two helpers');
is($node->safe_psql('postgres',
		"SELECT DISTINCT database || ' ' || session_user_ || ' ' || current_user_ || ' ' || timezone || ' ' || search_path || ' ' || work_mem || ' ' || marker FROM slow_log"),
	'postgres regress_runner regress_acting Asia/Tokyo public, tape 7MB from the caller',
	"every unit ran in the caller's database, as its session user and role, with its settings");

# a helper's error is the caller's: the CALL fails with it
slow_reset();
($ret, $stdout, $stderr) = $node->psql('postgres',
	"$setup; SET regress.unit_seconds = 0.05; SET regress.fail_in_helper = on; CALL slow_run(12)",
	connstr => $node->connstr('postgres') . ' user=regress_runner');
isnt($ret, 0, 'a run whose helper fails fails');
like($stderr, qr/ERROR:  slow_run stopped: the helper ran out of memory/, 'with the helper\'s error');
like($stderr, qr/CONTEXT:  .*\n?.*tape run helper [12] of slow_run/s, 'which says it came from a helper');
ok($node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'tape run helper'"),
	'no helper is left running');

# Ctrl-C in the caller stops the helpers; the next run does their units
slow_reset();
($h, $out, $err) = background_psql_connstr_as('regress_runner', "$setup; SET regress.unit_seconds = 0.4", 'CALL slow_run(30)');
ok($node->poll_query_until('postgres', "SELECT count(*) >= 4 FROM slow_log"), 'a long slow run is under way');
my $t0 = time();
$node->safe_psql('postgres', "SELECT pg_cancel_backend(pid) FROM tape.progress WHERE command = 'slow_run'");
$h->finish;
like($$err, qr/canceling statement due to user request/, 'Ctrl-C stops the CALL');
ok($node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'tape run helper'"),
	'and its helpers');
cmp_ok(time() - $t0, '<', 5, 'within seconds');
my $done = $node->safe_psql('postgres', "SELECT count(*) FROM tape.work_queue WHERE queue = 'slow' AND status = 'done'");
cmp_ok($done, '<', 30, "$done of 30 units were done before the cancel");
is($node->safe_psql('postgres', "SELECT count(*) FROM slow_log"), $done, 'a unit in flight left nothing behind');
($ret, $stdout, $stderr) = $node->psql('postgres', "$setup; SET regress.unit_seconds = 0.05; CALL slow_run(30)",
	connstr => $node->connstr('postgres') . ' user=regress_runner');
is($ret, 0, 'the next run finishes');
is($node->safe_psql('postgres', "SELECT count(*), count(DISTINCT unit_key) FROM slow_log"), '30|30',
	'every unit done once, those in flight at the cancel included');

# a helper killed with -9: the server restarts; the next run redoes its unit
slow_reset();
($h, $out, $err) = background_psql_connstr_as('regress_runner', "$setup; SET regress.unit_seconds = 0.4", 'CALL slow_run(30)');
ok($node->poll_query_until('postgres', "SELECT count(*) >= 4 FROM slow_log"), 'another slow run is under way');
my $victim = $node->safe_psql('postgres',
	"SELECT pid || ' ' || application_name FROM pg_stat_activity WHERE backend_type = 'tape run helper' AND application_name LIKE 'slow %' LIMIT 1");
my ($pid, $unit) = $victim =~ /^([0-9]+) slow (u[0-9]+)$/;
ok(defined $pid, "a helper is doing unit $unit");
kill_backend($node, $pid);
$h->finish;
like($$err, qr/terminating connection because of crash of another server process|server closed the connection/,
	'the caller\'s session ends with the crash');
ok($node->poll_query_until('postgres', 'SELECT 1', '1'), 'the server is back');
is($node->safe_psql('postgres', "SELECT count(*) FROM slow_log WHERE unit_key = '$unit'"), '0',
	'the killed helper\'s unit left nothing behind');
($ret, $stdout, $stderr) = $node->psql('postgres', "$setup; SET regress.unit_seconds = 0.05; CALL slow_run(30)",
	connstr => $node->connstr('postgres') . ' user=regress_runner');
is($ret, 0, 'the next run finishes');
is($node->safe_psql('postgres', "SELECT count(*), count(DISTINCT unit_key) FROM slow_log"), '30|30',
	'every unit done once');
is($node->safe_psql('postgres', "SELECT count(*) FROM slow_log WHERE unit_key = '$unit' AND pid <> $pid"), '1',
	'the killed helper\'s unit among them, redone');

# no free background worker slot: the run goes on in the caller's session alone
$node->append_conf('postgresql.conf', 'max_worker_processes = 0');
$node->restart;
slow_reset();
($ret, $stdout, $stderr) = $node->psql('postgres', "$setup; SET regress.unit_seconds = 0; CALL slow_run(6)",
	connstr => $node->connstr('postgres') . ' user=regress_runner');
is($ret, 0, 'without background worker slots the run succeeds');
like($stderr, qr/NOTICE:  slow_run goes on in this session alone: no background worker slot is free/,
	'a NOTICE says it runs alone');
is($node->safe_psql('postgres', "SELECT count(*), count(DISTINCT pid) FROM slow_log"), '6|1', 'in one session');

$node->stop;
done_testing();

# background psql as a role, in database postgres
sub background_psql_connstr_as
{
	my ($user, @statements) = @_;
	return background_psql_as($node, $user, @statements);
}
