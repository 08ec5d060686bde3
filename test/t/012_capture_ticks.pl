
# tape.capture_ticks under interruption and concurrency, against the mock and its request log:
# a cancelled capture resumes without asking again for a unit it finished; kill -9 of the
# backend mid-capture, then a re-run, ends with exactly the blocks of an uninterrupted capture
# and no finished unit fetched twice; a second session with "join" => true shares the units and
# no request series is fetched twice, and each session closes with the whole capture; progress
# shows in NOTICEs and in tape.progress; a role's advisory lock makes no capture wait.

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use TapeTest;

my $mock = start_mock();
# a backend killed with -9 makes the server restart, as servers do
my $node = new_node('capture', preload => 1, conf => 'restart_after_crash = on');

my $capture = "CALL tape.capture_ticks('cap')";

# a database with tape, a server of its own, minute bars of three tickers for September 2025,
# two events a day on six days for each, and the manifest of profile cap: 36 windows, 18
# ticker-days, 36 units (trades and quotes)
sub capture_db
{
	my ($db, $spec) = @_;
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION tape');
	my $url = $mock->{url} . "/_f/$spec";
	$node->safe_psql(
		$db, qq{
SET log_statement = 'none';
CREATE SERVER p$db FOREIGN DATA WRAPPER polygon_fdw
  OPTIONS (base_url '$url', requests_per_minute '0', cache 'false', retry_base_ms '50');
CREATE USER MAPPING FOR CURRENT_USER SERVER p$db OPTIONS (api_key '$mock->{key}');
CREATE SCHEMA p$db;
IMPORT FOREIGN SCHEMA polygon FROM SERVER p$db INTO p$db;
UPDATE tape.configuration SET value = 'p$db' WHERE name = 'foreign_schema';
});
	$node->safe_psql($db,
		"CALL tape.refresh_bars('minute', '2025-09-01', '2025-09-30', tickers => ARRAY['ACME', 'BOLT', 'CRWN'])");
	$node->safe_psql(
		$db, q{
SET timezone = 'America/New_York';
INSERT INTO tape.events_intraday (ticker, ts, trading_day, event_type, direction, session, score, dollar_volume)
SELECT t, d + x.at, d::date, x.type, 'up', 'RTH', 50, 500000
  FROM unnest(ARRAY['ACME', 'BOLT', 'CRWN']) t,
       (SELECT g AS d FROM generate_series('2025-09-02'::date, '2025-09-30', '1 day') g
         WHERE tape.is_trading_day(g::date) ORDER BY g LIMIT 6) days,
       (VALUES (time '10:15', 'volume_spike'), (time '14:45', 'vwap_break')) x (at, type);
INSERT INTO tape.profiles (profile, max_events, window_before, window_after, quotes_per_second)
VALUES ('cap', 1000, '3 minutes', '7 minutes', 5);
CALL tape.build_manifest('cap', '2025-09-01', '2025-09-30');
});
	return;
}

# every stored block: what it is and the md5 of its bytes
sub blocks_digest
{
	my ($db) = @_;
	return $node->safe_psql($db,
		    "SELECT count(*) || ' ' || md5(string_agg(concat_ws(' ', ticker, trading_day, kind, quotes_per_second, "
		  . "win_start, win_end, md5(block::bytea)), E'\\n' ORDER BY ticker, trading_day, kind, win_start)) FROM tape.tick_windows");
}

# the request series of the trades and quotes requests of a tag logged since a time (a
# request is logged when it is answered, so one sent before may come later)
sub requested_series
{
	my ($tag, $since) = @_;
	my @series;
	foreach my $r (mock_log($mock, $tag))
	{
		next if defined $since && $r->{t} < $since;
		next unless $r->{path} =~ m{/v3/(trades|quotes)/([A-Z]+)\?timestamp\.gte=([0-9]+)&timestamp\.lte=([0-9]+)};
		push @series, "$1 $2 $3 $4";
	}
	return @series;
}

# the request series of the units done, in the same form
sub done_series
{
	my ($db) = @_;
	return split /\n/, $node->safe_psql(
		$db, q{
SELECT concat_ws(' ', q.params ->> 'kind', q.ticker, (extract(epoch FROM lower(s)) * 1e6)::bigint * 1000,
                 (extract(epoch FROM upper(s)) * 1e6)::bigint * 1000 - 1)
  FROM tape.work_queue q, unnest(tape.ranges_of(q.params -> 'series')) s
 WHERE q.queue LIKE 'capture%' AND q.status = 'done' ORDER BY 1});
}

sub units_done
{
	my ($db) = @_;
	return $node->safe_psql($db, "SELECT count(*) FROM tape.work_queue WHERE queue LIKE 'capture%' AND status = 'done'");
}

sub wait_done
{
	my ($db, $n) = @_;
	return $node->poll_query_until($db,
		"SELECT count(*) >= $n FROM tape.work_queue WHERE queue LIKE 'capture%' AND status = 'done'");
}

# --- an uninterrupted capture: the reference ---------------------------------------------
capture_db('clean', 'tag=clean');
my $planned = $node->safe_psql('clean', "SELECT count(*) || ' ' || sum(requests) FROM tape.manifest_plan('cap')");
my ($units, $requests) = split / /, $planned;
is($units, 36, 'the plan: 36 units (18 ticker-days, trades and quotes)');
my $since = time();
my ($ret, $stdout, $stderr) = $node->psql('clean', $capture);
is($ret, 0, 'an uninterrupted capture succeeds');
like($stderr, qr/NOTICE:  tape.capture_ticks: 36 of 36 units done, [0-9,]+ rows, $requests requests/,
	"it says what it did: every unit, the $requests requests of the plan");
my @asked = requested_series('clean', $since);
is(scalar(@asked), $requests, 'the mock saw exactly the requests of the plan');
is_deeply([ sort @asked ], [ done_series('clean') ], 'and they are the request series the plan chose');
my $clean = blocks_digest('clean');
like($clean, qr/^72 [0-9a-f]{32}$/, 'it stored each window once: 36 of trades, 36 of quotes');

# --- a cancelled capture resumes; no finished unit is asked for again --------------------
capture_db('cancel', 'tag=cancel,delay_ms=100');
my ($h, $out, $err) = background_psql_db($node, 'cancel', 'SET tape.progress_interval = 1', $capture);
ok(wait_done('cancel', 6), 'the capture is under way');
my $row = $node->safe_psql('cancel',
	"SELECT command, unit, done > 0, total_estimate = 36, status ~ '^[0-9]+ of about 36 units \\([0-9]+ %\\), [0-9,]+ rows, [0-9]+ requests' "
	  . "FROM tape.progress");
is($row, 'tape.capture_ticks|units|t|t|t', 'tape.progress shows it: units done of the total, rows, requests');
$node->safe_psql('cancel', "SELECT pg_cancel_backend(pid) FROM tape.progress WHERE command = 'tape.capture_ticks'");
$h->finish;
like($$err, qr/canceling statement due to user request/, 'Ctrl-C stops it');
like($$err, qr/NOTICE:  tape.capture_ticks: [0-9]+ of about 36 units \([0-9]+ %\), [0-9,]+ rows, [0-9]+ requests/,
	'it had reported its progress in NOTICEs');
is($node->safe_psql('cancel', "SELECT tape.refresh_lock_holder('capture') IS NULL"), 't', 'its lock is released');
my @finished = done_series('cancel');
my $finished_units = units_done('cancel');
cmp_ok($finished_units, '<', 36, "$finished_units units were finished before the cancel");
$since = time();
($ret, $stdout, $stderr) = $node->psql('cancel', $capture);
is($ret, 0, 'the same call again finishes the job') or diag($stderr);
my %finished = map { $_ => 1 } @finished;
@asked = requested_series('cancel', $since);
is(scalar(grep { $finished{$_} } @asked), 0, 'the re-run asked for no series of a unit finished before the cancel');
is_deeply([ sort @asked ], [ sort grep { !$finished{$_} } done_series('cancel') ],
	'it asked for each series of the other units, once');
is(blocks_digest('cancel'), $clean, 'the store holds exactly the blocks of the uninterrupted capture');

# --- kill -9 of the backend mid-capture, then a re-run -----------------------------------
capture_db('crash', 'tag=crash,delay_ms=100');
($h, $out, $err) = background_psql_db($node, 'crash', $capture);
ok(wait_done('crash', 8), 'the capture is under way');
my $pid = $node->safe_psql('crash', "SELECT leader_pid FROM tape.refresh_runs WHERE refresh = 'capture' AND status = 'running'");
like($pid, qr/^[0-9]+$/, 'the backend running it is known');
kill_backend($node, $pid) if $pid =~ /^[0-9]+$/;
$h->finish;
ok($node->poll_query_until('crash', 'SELECT true'), 'the server is back after the crash');
@finished = done_series('crash');
$finished_units = units_done('crash');
cmp_ok($finished_units, '>=', 8, 'the units committed before the kill are still done');
cmp_ok($finished_units, '<', 36, 'and the others are not');
is($node->safe_psql('crash', "SELECT count(*) FROM tape.tick_windows"),
	$node->safe_psql('crash', "SELECT sum(jsonb_array_length(params -> 'windows')) FROM tape.work_queue WHERE status = 'done'"),
	'the windows stored are those of the units done: nothing half written');
$since = time();
($ret, $stdout, $stderr) = $node->psql('crash', $capture);
is($ret, 0, 'the re-run succeeds') or diag($stderr);
%finished = map { $_ => 1 } @finished;
@asked = requested_series('crash', $since);
is(scalar(grep { $finished{$_} } @asked), 0, 'it asked for no series of a unit finished before the kill');
is_deeply([ sort @asked ], [ sort grep { !$finished{$_} } done_series('crash') ],
	'it asked for each series of the other units, once');
is(blocks_digest('crash'), $clean, 'the store holds exactly the blocks of the uninterrupted capture');

# --- two sessions share the work ------------------------------------------------------------
capture_db('share', 'tag=share,delay_ms=100');
my ($h1, $out1, $err1) = background_psql_db($node, 'share', $capture);
ok(wait_done('share', 1), 'a capture is running');
($ret, $stdout, $stderr) = $node->psql('share', $capture);
like($stderr, qr/NOTICE:  tape.capture_ticks is already running in session [0-9]+; this call ends/,
	'a second start ends at once and says so');
my ($h2, $out2, $err2) = background_psql_db($node, 'share', "CALL tape.capture_ticks('cap', \"join\" => true)");
$h1->finish;
$h2->finish;
like($$err2, qr/tape.capture_ticks joins the run of session [0-9]+/, 'a session started with join => true joins it');
# each ends once the units the other has in flight are stored: both close with the whole
# capture done, nothing left to capture and no failure to look for
foreach my $session ([ 'the leader', $err1 ], [ 'the joined session', $err2 ])
{
	my @last = ${ $session->[1] } =~ /NOTICE:  tape.capture_ticks: ([0-9]+ of [0-9]+ units done)/g;
	is_deeply(\@last, ['36 of 36 units done'], "$session->[0] closes with every unit of the capture done");
	unlike(${ $session->[1] }, qr/left to capture|refresh_failures|WARNING/,
		"$session->[0] says nothing is left and points at no failure");
}
is(units_done('share'), 36, 'every unit is done');
is($node->safe_psql('share', "SELECT count(DISTINCT done_by) FROM tape.work_queue WHERE queue LIKE 'capture%'"), '2',
	'the two sessions shared the units');
my %count;
$count{$_}++ foreach requested_series('share');
is(scalar(grep { $count{$_} > 1 } keys %count), 0, 'no request series was fetched twice');
is(scalar(keys %count), $requests, 'every series of the plan was fetched');
is(blocks_digest('share'), $clean, 'the store holds exactly the blocks of the uninterrupted capture');

# --- a role with no privileges cannot make a capture with a disk budget wait -------------
# (sessions sharing a run check the budget one at a time, under a lock of tape's own)
capture_db('budget', 'tag=budget');
$node->safe_psql('postgres', 'CREATE ROLE nobody LOGIN');
my $nobody = session($node, 'nobody', 'budget');
$nobody->query("SELECT pg_advisory_lock(1952542821, hashtext('tape.tick_windows budget'))");
is($nobody->query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()"),
	'1', 'a role with no privileges holds the advisory lock of the budget lock\'s keys');
($ret, $stdout, $stderr) = $node->psql('budget',
	"SET statement_timeout = '60s'; CALL tape.capture_ticks('cap', disk_budget => '1 GB')");
is($ret, 0, 'a capture with a disk budget does not wait for it') or diag($stderr);
is(blocks_digest('budget'), $clean, 'and stores exactly the blocks of the uninterrupted capture');
$nobody->quit;

$node->stop;
stop_mock($mock);
done_testing();
