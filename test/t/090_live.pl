
# The live feed against the mock of the feed's WebSocket (test/mock/live_mock.py),
# which replays 2025-09-29 of the demo universe (a day with three news spikes) at
# 6000x: the live events are exactly the events tape.detect_intraday finds over the
# same stored bars; dropped and half-open connections, malformed, oversized and late
# messages end with the day's bars complete (REST gap fill) and each event notified
# once; a rejected key or plan is reported once, without reconnecting; the key is
# never logged; kill -9 of the worker is restarted by the postmaster and resumes; a
# slow consumer stays within its memory bound and loses nothing; tape.live_stop()
# stops within a second; without shared_preload_libraries tape.live_start says so.

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use TapeTest;

my $day = '2025-09-29';
my @tickers = qw(ACME BOLT CRWN DYNX FLUX NOVA MEGA PRCY SCAP KORE ACMEW BOLTU GRNQ);
my $tickers = "ARRAY['" . join("','", @tickers) . "']";

my $rest = start_mock();
my $node = new_node(
	'live',
	preload => 1,
	conf => "tape.live_reconnect_min_ms = 100\ntape.live_reconnect_max_ms = 400\n"
	  . "tape.live_idle_timeout = 2\nrestart_after_crash = on\n");
make_server($node, $rest, 'polygon');

# the history the detectors warm on, from the REST mock
$node->safe_psql('postgres', qq{
SELECT tape.create_partitions('2025-08-01', '2025-09-30');
INSERT INTO tape.bars_1m
SELECT ticker, ts, open, high, low, close, volume, vwap, transactions, true
  FROM polygon.bars
 WHERE ticker = ANY ($tickers) AND timespan = 'minute' AND ts >= '2025-08-15' AND ts < '$day';
});
my $day_bars = $node->safe_psql('postgres', qq{
SELECT count(*) FROM polygon.bars
 WHERE ticker = ANY ($tickers) AND timespan = 'minute' AND ts >= '$day' AND ts < date '$day' + 1});
cmp_ok($day_bars, '>', 5000, "the REST mock has $day_bars minute bars of the day");

# the live events against tape.detect_intraday over the stored bars, from where the
# worker's detectors start, judging the live day: "batch|live|only batch|only live"
my $compare = qq{
WITH s AS (SELECT warmed_from, trading_day, config FROM tape.live_status),
b AS (SELECT e.* FROM s, tape.detect_intraday(
        format('SELECT * FROM tape.bars_1m WHERE ts >= %L AND ts < %L ORDER BY ticker, ts',
               tape.ny_midnight(s.warmed_from), tape.ny_midnight(s.trading_day + 1)), s.config, s.trading_day) e),
l AS (SELECT ticker, ts, trading_day, event_type, direction, session, score, close, volume,
             dollar_volume, spike_x, pct_change, level, vwap, vwap_distance_pct, consecutive_bars
        FROM tape.events_live)
SELECT (SELECT count(*) FROM b) || '|' || (SELECT count(*) FROM l) || '|'
    || (SELECT count(*) FROM (SELECT * FROM b EXCEPT SELECT * FROM l) x) || '|'
    || (SELECT count(*) FROM (SELECT * FROM l EXCEPT SELECT * FROM b) x)};

my $stored_day = qq{SELECT count(*) FROM tape.bars_1m WHERE ts >= '$day' AND ts < date '$day' + 1};

# start the worker on a live mock
sub live_start
{
	my ($mock, $channels, $callback) = @_;
	$channels ||= 'AM.*';
	$node->safe_psql('postgres', "ALTER SERVER polygon OPTIONS (SET stream_url '$mock->{url}')");
	return $node->safe_psql('postgres',
		"SELECT tape.live_start('polygon', '$channels'" . ($callback ? ", callback => '$callback'" : '') . ')');
}

# stop, forget the day
sub live_reset
{
	my ($mock) = @_;
	$node->safe_psql('postgres', 'SELECT tape.live_stop()');
	stop_mock($mock);
	$node->safe_psql('postgres', "DELETE FROM tape.bars_1m WHERE ts >= '$day'; TRUNCATE tape.events_live, tape.live_trades, tape.live_quotes;");
}

# the day's bars complete, then the live events against the batch's; returns the batch's count
sub day_complete_and_same
{
	my ($what) = @_;
	ok(wait_until($node, "SELECT ($stored_day) = $day_bars", 90)
		  && wait_until($node, "SELECT state = 'streaming' FROM tape.live_status"),
		"$what: the day's bars end complete");
	usleep(300_000);
	my ($batch, $live, $only_batch, $only_live) = split /\|/, $node->safe_psql('postgres', $compare);
	is("$live|$only_batch|$only_live", "$batch|0|0", "$what: the live events are exactly the $batch batch events");
	return $batch;
}

sub status
{
	my ($cols) = @_;
	return $node->safe_psql('postgres', "SELECT $cols FROM tape.live_status");
}

# --- 1. a clean replay ------------------------------------------------------------

my $listen = session($node);
$listen->query('LISTEN tape_events');
# the user's callback: one that keeps each event, one that fails on every event
$node->safe_psql('postgres', q{
CREATE TABLE my_alerts (ticker text, ts timestamptz, what text);
CREATE PROCEDURE my_alert(e tape.events_live) LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO my_alerts VALUES (e.ticker, e.ts, e.event_type || ' ' || e.direction);
END $$;
CREATE PROCEDURE my_broken_alert(e tape.events_live) LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'no pager for %', e.ticker;
END $$;
});
my $mock = start_live_mock('--day', $day, '--speed', '6000');
$node->safe_psql('postgres', "ALTER SERVER polygon OPTIONS (ADD stream_url '$mock->{url}')");
my $pid = $node->safe_psql('postgres', "SELECT tape.live_start('polygon', 'AM.*', callback => 'my_alert(tape.events_live)')");
like($pid, qr/^\d+$/, 'tape.live_start returns the worker\'s pid');
ok(wait_until($node, "SELECT ($stored_day) = $day_bars AND (SELECT bars FROM tape.live_status) = $day_bars", 90),
	'the replayed day is stored whole');
my ($batch, $live, $only_batch, $only_live) = split /\|/, $node->safe_psql('postgres', $compare);
cmp_ok($batch, '>=', 5, "tape.detect_intraday finds $batch events over the stored day");
is("$live|$only_batch|$only_live", "$batch|0|0", 'the live events are exactly those events');
my $day_tickers = $node->safe_psql('postgres', "SELECT count(DISTINCT ticker) FROM tape.bars_1m WHERE ts >= '$day'");
is(status("state || ' ' || subscribed || ' ' || reconnects || ' ' || malformed || ' ' || late_bars || ' ' || tickers"),
	"streaming AM.* 0 0 0 $day_tickers", 'streaming, no fault, a detector per ticker with bars');
cmp_ok(scalar(live_mock_log($mock, 'pong')), '>=', scalar(live_mock_log($mock, 'ping')) - 1,
	'the worker answers the feed\'s pings');
cmp_ok(scalar(live_mock_log($mock, 'ping')), '>=', 10, 'pinged ' . scalar(live_mock_log($mock, 'ping')) . ' times');
my $notes = $listen->query('SELECT 1');
my @payloads = ($notes =~ /Asynchronous notification "tape_events" with payload "(.*?)" received/g);
is(scalar(@payloads), $batch, 'each event is notified once');
is($node->safe_psql('postgres', 'SELECT count(*) FROM my_alerts'), $batch, 'and passed to the callback once');
like($payloads[0] // '', qr/"ticker" : "\w+", "ts" : "[^"]+", .*"type" : "\w+", "direction" : "(up|down)".*"score" : [\d.]+, "price" : [\d.]+/,
	'a notification carries ticker, ts, type, direction, score and price');

# tape.live_stop within a second
my $t0 = time();
is($node->safe_psql('postgres', 'SELECT tape.live_stop()'), 't', 'tape.live_stop() stops the worker');
my $took = time() - $t0;
cmp_ok($took, '<', 1.0, sprintf('within a second (%.3f s)', $took));
is(status('state'), 'stopped', 'tape.live_status says stopped');
is($node->safe_psql('postgres', 'SELECT tape.live_stop()'), 'f', 'a second tape.live_stop() has nothing to stop');
live_reset($mock);

# --- 2. faults: dropped and half-open connections, malformed, oversized, late -------

$mock = start_live_mock('--day', $day, '--speed', '6000', '--fault', 'drop@400', '--drop-skip', '25',
	'--fault', 'half-open@600', '--fault', 'malformed@300', '--fault', 'oversized@350',
	'--fault', 'late@500');
live_start($mock, 'AM.*', 'my_broken_alert(tape.events_live)');
ok(wait_until($node, "SELECT ($stored_day) = $day_bars AND (SELECT gap_bars > 0 FROM tape.live_status)"
	  . " AND (SELECT count(*) = 1 FROM tape.live_status WHERE state = 'streaming')"
	  . " AND EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'tape live worker')", 120)
	  && scalar(live_mock_log($mock, 'done')) > 0,
	'after a dropped and a half-open connection the day\'s bars are complete');
usleep(500_000);
my ($gap, $reconnects, $malformed, $oversized, $late) = split /\|/,
  status("gap_bars || '|' || reconnects || '|' || malformed || '|' || oversized || '|' || late_bars");
cmp_ok($gap, '>', 25, "the REST gap fill brought $gap bars");
cmp_ok($reconnects, '>=', 2, "reconnected $reconnects times");
is("$malformed|$oversized", '1|1', 'the malformed and the oversized message were dropped and counted');
cmp_ok($late, '>=', 1, 'the late bar was counted');
is(scalar(live_mock_log($mock, 'subscribe')), scalar(live_mock_log($mock, 'auth')),
	'every connection authenticated and subscribed again');
($batch, $live, $only_batch, $only_live) = split /\|/, $node->safe_psql('postgres', $compare);
is("$live|$only_batch|$only_live", "$batch|0|0", "the live events are still exactly the $batch batch events");
$notes = $listen->query('SELECT 1');
@payloads = ($notes =~ /Asynchronous notification "tape_events" with payload "(.*?)" received/g);
my %seen;
my @keys = map { /"ticker" : "(\w+)", "ts" : "([^"]+)".*"type" : "(\w+)", "direction" : "(\w+)"/ ? "$1 $2 $3 $4" : $_ } @payloads;
$seen{$_}++ foreach @keys;
is(scalar(grep { $seen{$_} > 1 } keys %seen), 0, 'no event was notified twice');
cmp_ok(scalar(keys %seen), '>=', $batch, 'every event was notified');
$listen->quit;
like(slurp_file($node->logfile), qr/WARNING:  live event callback my_broken_alert\(tape.events_live\) failed: no pager for \w+/,
	'a failing callback is a WARNING; the events are stored and notified all the same');
live_reset($mock);

# --- 2b. flushes that fail: rolled back, the bars filled from REST; failing for good: stopped

$node->safe_psql('postgres', q{
CREATE TABLE live_fail (fail boolean);
INSERT INTO live_fail VALUES (false);
CREATE FUNCTION live_fail_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT fail FROM live_fail) THEN
    RAISE EXCEPTION 'the disk is full (a test)';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER live_fail BEFORE INSERT ON tape.bars_1m FOR EACH ROW EXECUTE FUNCTION live_fail_check();
});
$mock = start_live_mock('--day', $day, '--speed', '3000');
live_start($mock);
ok(wait_until($node, "SELECT bars > 1500 FROM tape.live_status", 60), 'streaming');
$node->safe_psql('postgres', 'UPDATE live_fail SET fail = true');
ok(wait_until($node, "SELECT last_error LIKE 'a flush failed (_ in a row); its bars will be filled from REST: the disk is full (a test)' FROM tape.live_status", 30),
	'a flush that fails is reported');
$node->safe_psql('postgres', 'UPDATE live_fail SET fail = false');
day_complete_and_same('after failed flushes');
live_reset($mock);

$mock = start_live_mock('--day', $day, '--speed', '3000');
live_start($mock);
ok(wait_until($node, "SELECT bars > 500 FROM tape.live_status", 60), 'streaming again');
$node->safe_psql('postgres', 'UPDATE live_fail SET fail = true');
ok(wait_until($node, "SELECT state = 'failed' FROM tape.live_status", 60), 'a flush failing for good stops the worker');
like(status('last_error'), qr/^stopped after 5 failed flushes in a row: the disk is full \(a test\)$/, 'and says why');
sleep(2);
is(status("state || ' ' || coalesce(pid::text, 'none')"), 'failed none', 'it is not restarted');
$node->safe_psql('postgres', 'DROP TRIGGER live_fail ON tape.bars_1m');
live_reset($mock);

# --- 2c. a worker that cannot start again (its user mapping dropped): failed, not a loop

$mock = start_live_mock('--day', $day, '--speed', '3000');
$pid = live_start($mock);
ok(wait_until($node, "SELECT bars > 100 FROM tape.live_status", 60), 'streaming once more');
$node->safe_psql('postgres', 'DROP USER MAPPING FOR CURRENT_USER SERVER polygon');
kill_backend($node, $pid);
ok(wait_until($node, "SELECT state = 'failed' FROM tape.live_status", 60), 'the restarted worker without a key stops');
like(status('last_error'), qr/^could not start: user mapping not found for user "\w+" on server "polygon"/, 'and says why');
sleep(2);
my $log_now = slurp_file($node->logfile);
is(scalar(() = $log_now =~ /tape live: could not start/g), 1, 'once: the postmaster does not restart it');
$node->safe_psql('postgres', "SET log_statement = 'none'; CREATE USER MAPPING FOR CURRENT_USER SERVER polygon OPTIONS (api_key '$rest->{key}')");
live_reset($mock);

# --- 3. a rejected key, a plan without the feed: once, no reconnect loop ----------

$mock = start_live_mock('--day', $day, '--speed', '6000', '--fault', 'reject-key');
live_start($mock);
ok(wait_until($node, "SELECT state = 'failed' FROM tape.live_status", 30), 'a rejected key stops the worker');
sleep(2);
is(scalar(live_mock_log($mock, 'auth')), 1, 'it authenticated once: no reconnect loop');
like(status('last_error'), qr/^the feed refused the API key \(auth_failed: authentication failed\); not reconnecting$/,
	'tape.live_status says why');
is(status("coalesce(pid::text, 'none')"), 'none', 'no worker runs');
live_reset($mock);

$mock = start_live_mock('--day', $day, '--speed', '6000', '--fault', 'no-plan');
live_start($mock);
ok(wait_until($node, "SELECT state = 'failed' FROM tape.live_status", 30), 'a plan without the feed stops the worker');
sleep(1);
is(scalar(live_mock_log($mock, 'subscribe')), 1, 'it subscribed once');
like(status('last_error'), qr/^the feed refused the subscription to "AM\.\*" \(Your plan doesn't include websocket access/,
	'tape.live_status says why');
live_reset($mock);

# --- 4. kill -9: the postmaster restarts the worker, which resumes -------------------

$mock = start_live_mock('--day', $day, '--speed', '3000');
$pid = live_start($mock);
ok(wait_until($node, "SELECT bars > 3000 FROM tape.live_status", 60), 'half the day streamed');
kill_backend($node, $pid);
ok(wait_until($node, "SELECT pid IS NOT NULL AND pid <> $pid AND state = 'streaming' FROM tape.live_status", 60),
	'the postmaster restarted the worker after kill -9');
day_complete_and_same('after kill -9');
live_reset($mock);

# --- 5. a slow consumer: bounded memory, nothing lost --------------------------------

$node->append_conf('postgresql.conf', "tape.live_max_queue_bytes = '1MB'\ntape.live_max_message_bytes = '64kB'\ntape.live_flush_ms = 20");
$node->reload;
my $locker = session($node);
$locker->query('BEGIN; LOCK TABLE tape.live_trades IN ACCESS EXCLUSIVE MODE');
$mock = start_live_mock('--day', $day, '--speed', '600', '--start', '09:00', '--end', '09:05',
	'--tickers', 'ACME', '--fault', 'blast', '--blast-messages', '6000');
$pid = live_start($mock, 'AM.ACME,T.ACME');
ok(wait_until($node, "SELECT trades > 0 FROM tape.live_status", 30), 'the blast of trades began');
sleep(3);
my $status = slurp_file("/proc/$pid/status");
my $rss = $status =~ /RssAnon:\s+(\d+) kB/ ? $1 * 1024 : -1;
my ($trades, $max_queue) = split /\|/, status("trades || '|' || max_queue_bytes");
cmp_ok($trades, '<', 600000, "while the store is locked the worker holds back ($trades of 600000 trades read)");
cmp_ok($max_queue, '<=', 1024 * 1024 + 65536, "its queue stays within tape.live_max_queue_bytes ($max_queue bytes)");
cmp_ok($rss, '<', 40 * 1024 * 1024, "its memory stays bounded (RssAnon $rss bytes; the blast is 66 MB)");
cmp_ok($rss, '>', 0, 'the memory was measured');
is(scalar(live_mock_log($mock, 'blast done')), 0, 'the sender is held back meanwhile');
$locker->query('COMMIT');
$locker->quit;
ok(wait_until($node, "SELECT count(*) = 600000 FROM tape.live_trades", 120), 'once the store is free every trade is stored');
live_reset($mock);

# --- 6. the key is never logged -------------------------------------------------------

my $log = slurp_file($node->logfile);
unlike($log, qr/\Q$rest->{key}\E/, 'the API key is not in the server log');
unlike(slurp_file($mock->{log}), qr/\Q$rest->{key}\E/, 'nor in the mock\'s log');

# --- 7. without shared_preload_libraries ----------------------------------------------

my $plain = new_node('plain');
my ($ret, $out, $err) = $plain->psql('postgres', "SELECT tape.live_start('polygon', 'AM.*')");
like($err, qr/ERROR:  the live feed needs tape in shared_preload_libraries/, 'tape.live_start without the preload is an error');
like($err, qr/HINT:  Add tape to shared_preload_libraries in postgresql.conf and restart the server./, 'with a hint');
$plain->stop;

$node->stop;
stop_mock($rest);
done_testing();
