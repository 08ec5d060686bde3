
# Every wait can be cancelled: a back-off after 429, a slow response, and
# the rate limit.  Ctrl-C (pg_cancel_backend) and statement_timeout end the
# statement within a couple of seconds, and the session goes on working.

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use TapeTest;

my $mock = start_mock();
my $node = new_node('cancel');

make_server($node, $mock, 'mock');
# 429 for ever, with back-offs of 30 s and more
make_server($node, $mock, 'c429', 'tag=c429,status=429',
	"retry_base_ms '30000', retry_max_ms '60000', max_retries '5'");
make_server($node, $mock, 't429', 'tag=t429,status=429',
	"retry_base_ms '30000', retry_max_ms '60000', max_retries '5'");
# a response that takes a minute
make_server($node, $mock, 'slow', 'tag=slow,delay_ms=60000', "timeout_ms '120000'");
# six requests a minute: the second request of a scan waits 10 s for the rate limit
make_server($node, $mock, 'rate', 'tag=rate', "requests_per_minute '6'");
# pages that take 500 ms, then 3 s, with requests in flight (4, the default without a rate limit)
make_server($node, $mock, 'pf', 'tag=pf,delay_ms=500');
make_server($node, $mock, 'pfslow', 'tag=pfslow,delay_ms=3000');

my $tail = "SELECT 'still alive', count(*) FROM mock.bars WHERE ticker = 'ACME' AND timespan = 'day' "
  . "AND ts >= '2025-10-06' AND ts < '2025-10-11';";

# cancel_after: start $sql, wait for $n requests of $tag, cancel it, and time the end;
# with $tail, run it next in the same session to show the session still works
sub cancel_after
{
	my ($what, $sql, $tag, $n, $tail) = @_;
	my ($h, $out, $err) = background_psql($node, $sql, $tail ? ($tail) : ());
	ok(wait_for_requests($mock, $tag, $n), "$what: the request was made");
	usleep(500_000);    # now inside the wait

	my $we = $node->safe_psql('postgres',
		"SELECT wait_event_type FROM pg_stat_activity WHERE query LIKE '%$tag.%' AND pid <> pg_backend_pid()");
	is($we, 'Extension', "$what: the backend shows the Extension wait event");

	my $t0 = time();
	$node->safe_psql('postgres',
		"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%$tag.%' AND pid <> pg_backend_pid()");
	# the time until the error arrives (a tail may run on after it)
	while ($$err !~ /canceling statement/ && time() - $t0 < 60)
	{
		$h->pump_nb;
		usleep(10_000);
	}
	my $elapsed = time() - $t0;
	$h->finish;
	like($$err, qr/canceling statement due to user request/, "$what: the statement was cancelled");
	cmp_ok($elapsed, '<', 3, sprintf("$what: it ended %.2f s after the cancel", $elapsed));
	return $$out;
}

cancel_after('back-off after 429',
	"SELECT count(*) FROM c429.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-06' AND ts < '2025-10-11';",
	'c429', 1);
is(scalar(mock_log($mock, 'c429')), 1, 'back-off after 429: no request after the cancel');

my $out = cancel_after('slow response',
	"SELECT count(*) FROM slow.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-06' AND ts < '2025-10-11';",
	'slow', 0, $tail);
like($out, qr/still alive\|5/, 'slow response: the session goes on working, over the network');

# the cancelled wait gives its reservation back: the session's next request waits
# only for the rest of the first request's interval, not for a second interval
my $rate_t0 = time();
$out = cancel_after('rate limit',
	"SELECT count(*) FROM rate.bars WHERE ticker IN ('ACME', 'BOLT') AND timespan = 'day' AND ts >= '2025-10-06' AND ts < '2025-10-11';",
	'rate', 1,
	"EXPLAIN (ANALYZE, COSTS OFF, SUMMARY OFF) SELECT count(*) FROM rate.bars WHERE ticker = 'CRWN' AND timespan = 'day' AND ts >= '2025-10-06' AND ts < '2025-10-11';");
my ($wait_ms) = $out =~ /Rate Limit Wait: ([0-9.]+) ms/;
my @rate = mock_log($mock, 'rate');
is(scalar(@rate), 2, 'rate limit: the cancelled request was never sent, the next one was');
cmp_ok($rate[1]{t} - $rate[0]{t}, '<', 10.5,
	sprintf('rate limit: the next request went out %.1f s after the first (one interval: 10 s)', $rate[1]{t} - $rate[0]{t}));
cmp_ok($rate[1]{t} - $rate[0]{t}, '>=', 9.5, 'rate limit: ... and not before the interval was over');
ok(defined $wait_ms && $wait_ms > 5000, sprintf('rate limit: EXPLAIN ANALYZE shows the wait (%.1f s)', ($wait_ms // 0) / 1000));

# a cancel while the scan waits for a page asked for early (the first page of
# the next series, in flight since the first series' page arrived)
my $eight = "ticker IN ('ACME', 'BOLT', 'CRWN', 'DYNX', 'EVTX', 'FLUX', 'NOVA', 'ACMEW') AND timespan = 'day' "
  . "AND ts >= '2025-10-06' AND ts < '2025-10-11'";
$out = cancel_after('page in flight',
	"SELECT count(*) FROM pfslow.bars WHERE $eight;", 'pfslow', 1, $tail);
like($out, qr/still alive\|5/, 'page in flight: the session goes on working');

# interrupts that do not end the statement (here requests to log memory contexts,
# 20 a second) neither stop nor repeat a request in flight: eight series, eight requests
my $plain = $node->safe_psql('postgres', "SELECT count(*) FROM mock.bars WHERE $eight;");
my ($h, $pf_out, $pf_err) = background_psql($node, "SELECT count(*) FROM pf.bars WHERE $eight;");
my $logged = 0;
while ($h->pumpable)
{
	$logged += $node->safe_psql('postgres',
		"SELECT count(pg_log_backend_memory_contexts(pid)) FROM pg_stat_activity WHERE query LIKE '%pf.bars%' AND pid <> pg_backend_pid()");
	usleep(50_000);
	$h->pump_nb;
}
$h->finish;
cmp_ok($logged, '>=', 5, "interrupts that do not cancel: $logged were sent during the scan");
is($$pf_out, "$plain\n", 'interrupts that do not cancel: the rows are all there');
my @pf = mock_log($mock, 'pf');
my %paths = map { $_->{path} => 1 } @pf;
is(scalar(@pf), 8, 'interrupts that do not cancel: eight requests for eight series');
is(scalar(@pf), scalar(keys %paths), 'interrupts that do not cancel: none asked for twice');

# statement_timeout ends a back-off too
my $t0 = time();
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"SET statement_timeout = '1s'; SELECT count(*) FROM t429.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-06' AND ts < '2025-10-11';"
);
my $elapsed = time() - $t0;
like($stderr, qr/canceling statement due to statement timeout/, 'statement_timeout cancels a back-off');
cmp_ok($elapsed, '<', 4, sprintf('statement_timeout: it ended after %.2f s', $elapsed));

stop_mock($mock);
done_testing();
