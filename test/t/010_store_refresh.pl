
# The refreshes of the local store under interruption and concurrency, against
# the mock and its request log: a cancelled refresh resumes without asking again
# for a finished unit; a second start of a running refresh ends at once, a
# joining worker shares the units and no unit is fetched twice; kill -9 of the
# backend mid-refresh, then a re-run, ends with exactly the rows of an
# uninterrupted run; a 429 storm slows a refresh but does not fail it; a ticker
# that always fails is reported and the others finish; a role with no privileges
# holding advisory locks stops no refresh and makes none wait.

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use TapeTest;

my $mock = start_mock();
# a backend killed with -9 makes the server restart, as servers do
my $node = new_node('store', preload => 1, conf => 'restart_after_crash = on');

my $tickers = "ARRAY['ACME', 'BOLT', 'CRWN', 'DYNX', 'EVTX', 'FLUX']";
my $refresh = "CALL tape.refresh_bars('minute', '2024-01-01', '2024-04-30', tickers => $tickers)";
my $units = 24;    # six tickers x four months

# a database with tape and a server of its own, read by the refreshes
sub store_db
{
	my ($db, $server, $spec, $options) = @_;
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION tape');
	my $url = $mock->{url} . (defined $spec ? "/_f/$spec" : '');
	$node->safe_psql(
		$db, qq{
SET log_statement = 'none';
CREATE SERVER $server FOREIGN DATA WRAPPER polygon_fdw
  OPTIONS (base_url '$url', requests_per_minute '0', cache 'false', retry_base_ms '50'@{[ $options ? ", $options" : '' ]});
CREATE USER MAPPING FOR CURRENT_USER SERVER $server OPTIONS (api_key '$mock->{key}');
CREATE SCHEMA $server;
IMPORT FOREIGN SCHEMA polygon FROM SERVER $server INTO $server;
UPDATE tape.configuration SET value = '$server' WHERE name = 'foreign_schema';
UPDATE tape.configuration SET value = '4' WHERE name = 'refresh.batch_size';
UPDATE tape.configuration SET value = '0.1 s' WHERE name = 'refresh.retry_delay';
});
	return;
}

# the md5 of every minute bar, in order
sub bars_digest
{
	my ($db) = @_;
	return $node->safe_psql($db,
		"SELECT count(*) || ' ' || md5(string_agg(b::text, E'\\n' ORDER BY ticker, ts)) FROM tape.bars_1m b");
}

# the units (ticker and month) asked for by the requests of a tag logged since a time
# (a request is logged when it is answered, so one sent before may come later)
sub requested_units
{
	my ($tag, $since) = @_;
	my @units;
	foreach my $r (mock_log($mock, $tag))
	{
		next if defined $since && $r->{t} < $since;
		next unless $r->{path} =~ m{/v2/aggs/ticker/([^/]+)/range/1/minute/(\d+)/};
		my @t = gmtime($2 / 1000 + 12 * 3600);    # a New York midnight, well inside its UTC day
		push @units, sprintf('%s %04d-%02d', $1, $t[5] + 1900, $t[4] + 1);
	}
	return @units;
}

sub done_units
{
	my ($db) = @_;
	return split /\n/,
	  $node->safe_psql($db, "SELECT unit_key FROM tape.work_queue WHERE queue = 'bars_1m' AND status = 'done' ORDER BY 1");
}

# wait until $n units of the refresh are done
sub wait_done
{
	my ($db, $n) = @_;
	return $node->poll_query_until($db,
		"SELECT count(*) >= $n FROM tape.work_queue WHERE queue = 'bars_1m' AND status = 'done'");
}

# --- an uninterrupted run: the reference -------------------------------------------
store_db('clean', 'pclean', 'tag=clean');
my ($ret, $stdout, $stderr) = $node->psql('clean', $refresh);
is($ret, 0, 'an uninterrupted refresh succeeds');
like($stderr, qr/NOTICE:  tape.refresh_bars: 24 of 24 units done, [0-9,]+ rows, 24 requests/,
	'it says what it did: every unit, one request each');
my $clean = bars_digest('clean');
like($clean, qr/^[0-9]{5,} [0-9a-f]{32}$/, 'it stored the bars');
is(scalar(mock_log($mock, 'clean')), $units, 'one request per unit');

# --- a cancelled refresh resumes; no finished unit is asked for again ----------------
store_db('cancel', 'pcancel', 'tag=cancel,delay_ms=200');
my ($h, $out, $err) = background_psql_db($node, 'cancel', 'SET tape.progress_interval = 1', $refresh);
ok(wait_done('cancel', 8), 'the refresh is under way');
my $row = $node->safe_psql('cancel',
	"SELECT command, unit, done > 0, total_estimate = $units, status ~ '^[0-9]+ of about $units units \\([0-9]+ %\\), [0-9,]+ rows, [0-9]+ requests' "
	  . "FROM tape.progress");
is($row, "tape.refresh_bars|units|t|t|t", 'tape.progress shows it: units done of the total, rows, requests');
$node->safe_psql('cancel', "SELECT pg_cancel_backend(pid) FROM tape.progress WHERE command = 'tape.refresh_bars'");
$h->finish;
like($$err, qr/canceling statement due to user request/, 'Ctrl-C stops it');
like($$err, qr/NOTICE:  tape.refresh_bars: [0-9]+ of about 24 units \([0-9]+ %\), [0-9,]+ rows, [0-9]+ requests/,
	'it had reported its progress in NOTICEs');
is($node->safe_psql('cancel', "SELECT count(*) FROM tape.progress"), '0', 'its progress slot is freed');
is($node->safe_psql('cancel', "SELECT tape.refresh_lock_holder('bars_1m') IS NULL"), 't', 'its lock is released');
my @finished = done_units('cancel');
cmp_ok(scalar(@finished), '<', $units, scalar(@finished) . ' units were finished before the cancel');

my $since = time();
($ret, $stdout, $stderr) = $node->psql('cancel', "SET tape.progress_interval = 1; $refresh");
is($ret, 0, 'the same call again finishes the job');
like($stderr, qr/NOTICE:  tape.refresh_bars: [0-9]+ of about [0-9]+ units/, 'it reports its progress as it goes');
my @closing = $stderr =~ /NOTICE:  tape.refresh_bars: ([0-9]+ of [0-9]+ units done|done,)/g;
is_deeply(\@closing, [ ($units - scalar(@finished)) . " of " . ($units - scalar(@finished)) . " units done" ],
	'and ends with one closing line, the run\'s');
is($node->safe_psql('cancel', "SELECT status FROM tape.refresh_runs ORDER BY run_id LIMIT 1"), 'interrupted',
	'the cancelled run is recorded as interrupted');
my %finished = map { $_ => 1 } @finished;
my @asked = requested_units('cancel', $since);
is(scalar(grep { $finished{$_} } @asked), 0,
	'the re-run asked for no unit finished before the cancel (the mock\'s request log)');
is(scalar(@asked), $units - scalar(@finished), 'it asked for each of the other units once');
is(bars_digest('cancel'), $clean, 'the store holds exactly the rows of the uninterrupted run');

# --- a second start ends at once; a joining worker shares the units ---------------------
store_db('share', 'pshare', 'tag=share,delay_ms=200');
my ($h1, $out1, $err1) = background_psql_db($node, 'share', $refresh);
ok(wait_done('share', 1), 'a refresh is running');
my $t0 = time();
($ret, $stdout, $stderr) = $node->psql('share', $refresh);
my $took = time() - $t0;
is($ret, 0, 'a second start of the same refresh succeeds');
like($stderr, qr/NOTICE:  tape.refresh_bars is already running in session [0-9]+; this call ends/,
	'and says the refresh is already running');
cmp_ok($took, '<', 2, sprintf('it ends at once (%.2f s)', $took));
my ($h2, $out2, $err2) = background_psql_db($node, 'share', $refresh =~ s/\)$/, "join" => true)/r);
$h1->finish;
$h2->finish;
like($$err2, qr/tape.refresh_bars joins the run of session [0-9]+/, 'a worker started with join => true joins it');
# each ends once the units the other has in flight are committed, so both close with the whole run
foreach my $session ([ 'the leader', $err1 ], [ 'the worker', $err2 ])
{
	my @last = ${ $session->[1] } =~ /NOTICE:  tape.refresh_bars: ([0-9]+ of [0-9]+ units done)/g;
	is_deeply(\@last, ["$units of $units units done"], "$session->[0] closes with every unit of the run done");
	unlike(${ $session->[1] }, qr/WARNING/, "$session->[0] reports no failure");
}
is($node->safe_psql('share', "SELECT count(*) FROM tape.work_queue WHERE status = 'done'"), $units, 'every unit is done');
is($node->safe_psql('share', "SELECT count(DISTINCT done_by) FROM tape.work_queue"), '2',
	'the two sessions shared the units');
is($node->safe_psql('share', "SELECT workers FROM tape.refresh_runs"), '2', 'the run had two workers');
my %count;
$count{$_}++ foreach requested_units('share');
is(scalar(grep { $count{$_} > 1 } keys %count), 0, 'no unit was fetched twice');
is(scalar(keys %count), $units, 'every unit was fetched once');
is(bars_digest('share'), $clean, 'the store holds exactly the rows of the uninterrupted run');

# --- a role with no privileges can neither stop a refresh nor make one wait ------------
# pg_advisory_lock() takes no lock of tape's: not with the two integer keys pg_locks shows
# for a refresh (classid, objid), nor with them as one bigint
store_db('hostile', 'phostile', 'tag=hostile');
$node->safe_psql('postgres', 'CREATE ROLE nobody LOGIN');
my $nobody = session($node, 'nobody', 'hostile');
$nobody->query("SELECT pg_advisory_lock(1952542821, hashtext('bars_1m')), "
	  . "pg_advisory_lock((1952542821::bigint << 32) | (hashtext('bars_1m')::bigint & 4294967295))");
is($nobody->query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()"),
	'2',
	'a role with no privileges holds the advisory locks of the run lock\'s keys');
($ret, $stdout, $stderr) = $node->psql('hostile', "SET statement_timeout = '60s'; $refresh");
is($ret, 0, 'a refresh started meanwhile succeeds');
like($stderr, qr/NOTICE:  tape.refresh_bars: $units of $units units done/, 'and does every unit');
unlike($stderr, qr/already running/, 'it does not take the role\'s lock for a run');
($ret, $stdout, $stderr) = $node->psql('hostile',
	"SET statement_timeout = '60s'; " . ($refresh =~ s/\)$/, force => true, "join" => true)/r));
is($ret, 0, 'a refresh with join => true does not wait for the role\'s lock') or diag($stderr);
like($stderr, qr/NOTICE:  tape.refresh_bars: $units of $units units done/, 'it runs the refresh itself');
is(bars_digest('hostile'), $clean, 'the store holds exactly the rows of the uninterrupted run');
# nor can a role with USAGE on schema tape take tape's lock through tape's own functions
$node->safe_psql('hostile', 'GRANT USAGE ON SCHEMA tape TO nobody');
my ($taken, $denied) = $nobody->query("SELECT tape.try_refresh_lock('bars_1m')");
like($denied, qr/permission denied for function try_refresh_lock/, 'nor tape.try_refresh_lock');
(undef, $denied) = $nobody->query("SELECT tape.run_xact_lock('bars_1m')");
like($denied, qr/permission denied for function run_xact_lock/, 'nor tape.run_xact_lock');
$nobody->quit;

# --- a year of minute bars of the demo universe, kill -9 midway, a re-run -------------
# (the backend killed with -9 makes the server restart, as servers do)
my $year = "CALL tape.refresh_bars('minute', '2024-01-01', '2024-12-31')";
foreach my $db ('year', 'crash')
{
	store_db($db, "p$db", "tag=$db");
	$node->safe_psql($db, "CALL tape.refresh_universe('2024-01-01', '2024-12-31')");
}
($ret, $stdout, $stderr) = $node->psql('year', $year);
is($ret, 0, 'a year of minute bars of the universe loads with one CALL');
my $year_units = $node->safe_psql('year', "SELECT count(*) FROM tape.work_queue WHERE queue = 'bars_1m' AND status = 'done'");
cmp_ok($year_units, '>', 70, "$year_units units: each ticker of the universe, each month it was in it");
my $year_clean = bars_digest('year');

($h, $out, $err) = background_psql_db($node, 'crash', $year);
ok(wait_done('crash', 20), 'the same CALL is under way in another database');
my $pid = $node->safe_psql('crash', "SELECT leader_pid FROM tape.refresh_runs WHERE status = 'running'");
like($pid, qr/^[0-9]+$/, 'the backend running it is known');
kill_backend($node, $pid) if $pid =~ /^[0-9]+$/;
$h->finish;
ok($node->poll_query_until('crash', 'SELECT true'), 'the server is back after the crash');
my @after_crash = done_units('crash');
cmp_ok(scalar(@after_crash), '>=', 20, 'the units committed before the kill are still done');
cmp_ok(scalar(@after_crash), '<', $year_units, 'and the others are not');
$since = time();
($ret, $stdout, $stderr) = $node->psql('crash', $year);
is($ret, 0, 'the re-run succeeds') or diag($stderr);
%finished = map { $_ => 1 } @after_crash;
@asked = requested_units('crash', $since);
is(scalar(grep { $finished{$_} } @asked), 0, 'it asked for no unit finished before the kill');
is(scalar(@asked), $year_units - scalar(@after_crash), 'it asked for each of the other units once');
is(bars_digest('crash'), $year_clean, 'the store holds exactly the rows of the uninterrupted run');

# --- a 429 storm slows the refresh, but it does not fail --------------------------------
store_db('storm', 'pstorm', 'tag=storm,storm_ms=1500', "max_retries '6'");
$t0 = time();
($ret, $stdout, $stderr) = $node->psql('storm', $refresh);
$took = time() - $t0;
is($ret, 0, 'a refresh through a 429 storm of 1.5 s succeeds');
unlike($stderr, qr/WARNING/, 'no unit failed');
my @storm = mock_log($mock, 'storm');
my $n429 = grep { $_->{status} == 429 } @storm;
cmp_ok($n429, '>', 4, "the API answered 429 $n429 times");
cmp_ok($took, '>', 1.5, sprintf('the storm slowed it (%.1f s)', $took));
is(bars_digest('storm'), $clean, 'the store holds exactly the rows of the uninterrupted run');

# --- a ticker that always fails is reported; the others finish -----------------------
store_db('failing', 'pfail', 'tag=failing,fail_ticker=BOLT', "max_retries '1'");
($ret, $stdout, $stderr) = $node->psql('failing', $refresh);
is($ret, 0, 'a refresh with a ticker that always fails succeeds');
like($stderr, qr/WARNING:  tape.refresh_bars: 4 of 24 units failed; the next run tries them again\nDETAIL:  BOLT 2024-0[1-4]: the Polygon API failed with HTTP status 500/,
	'it warns that the units of that ticker failed, with the error');
is($node->safe_psql('failing',
		"SELECT string_agg(DISTINCT ticker, ',') || ' ' || count(*) || ' ' || min(attempts) || ' ' || min(last_error) FROM tape.refresh_failures"),
	'BOLT 4 3 the Polygon API failed with HTTP status 500',
	'tape.refresh_failures lists them: tried refresh.max_attempts times, the error kept');
is($node->safe_psql('failing', "SELECT count(*) FROM tape.work_queue WHERE status = 'done' AND ticker <> 'BOLT'"), '20',
	'every unit of the other tickers is done');
# the API heals: the next run asks for the failed units only
$node->safe_psql('failing', "ALTER SERVER pfail OPTIONS (SET base_url '$mock->{url}/_f/tag=healed')");
($ret, $stdout, $stderr) = $node->psql('failing', $refresh);
is($ret, 0, 'the next run succeeds');
is_deeply([ sort(requested_units('healed')) ], [ map { "BOLT 2024-0$_" } 1 .. 4 ],
	'it asked for the failed units, and only them');
is(bars_digest('failing'), $clean, 'the store holds exactly the rows of the uninterrupted run');

$node->stop;
stop_mock($mock);
done_testing();
