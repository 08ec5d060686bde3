
# requests_per_minute is shared by every session of the cluster (and every
# server using the same API key) when tape is in shared_preload_libraries;
# otherwise each session keeps its own budget and says so once.  No role can
# change the pacing of another role's key by cycling keys of its own.

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use TapeTest;

my $mock = start_mock();

# 120 requests a minute: one every 0.5 s
my $rpm = "requests_per_minute '120'";
my $spacing = 0.5;
my $slack = 0.05;

# run_two: two sessions at once, each making 3 requests through its own server
sub run_two
{
	my ($node, $a, $b) = @_;
	my $q = "SELECT count(*) FROM %s.bars WHERE ticker IN ('ACME', 'BOLT', 'CRWN') AND timespan = 'day' "
	  . "AND ts >= '2025-10-06' AND ts < '2025-10-11';";
	my ($h1, $out1, $err1) = background_psql($node, sprintf($q, $a));
	my ($h2, $out2, $err2) = background_psql($node, sprintf($q, $b));
	$h1->finish;
	$h2->finish;
	chomp(my $o1 = $$out1);
	chomp(my $o2 = $$out2);
	return ($o1, $o2, $$err1 . $$err2);
}

sub gaps
{
	my @t = map { $_->{t} } @_;
	return map { $t[$_] - $t[ $_ - 1 ] } 1 .. $#t;
}

sub min_of
{
	my $m = shift;
	foreach (@_) { $m = $_ if $_ < $m; }
	return $m;
}

# shared: one budget for the key, across sessions and servers
my $shared = new_node('shared', preload => 1);
make_server($shared, $mock, 'ra', 'tag=ra', $rpm);
make_server($shared, $mock, 'rb', 'tag=rb', $rpm);
my ($o1, $o2, $errs) = run_two($shared, 'ra', 'rb');
is("$o1 $o2", '15 15', 'both sessions got their rows');
unlike($errs, qr/per session/, 'no per-session notice when preloaded');
my @all = sort { $a->{t} <=> $b->{t} } (mock_log($mock, 'ra'), mock_log($mock, 'rb'));
is(scalar(@all), 6, 'six requests in all');
my $min = min_of(gaps(@all));
cmp_ok($min, '>=', $spacing - $slack,
	sprintf('requests of both sessions are spaced by the shared limit (closest %.3f s)', $min));
cmp_ok($all[-1]{t} - $all[0]{t}, '>=', 5 * ($spacing - $slack), 'six requests take at least five intervals');

# per session: each session spaces its own requests, and says so once
my $local = new_node('local');
make_server($local, $mock, 'la', 'tag=la', $rpm);
make_server($local, $mock, 'lb', 'tag=lb', $rpm);
($o1, $o2, $errs) = run_two($local, 'la', 'lb');
is("$o1 $o2", '15 15', 'per-session: both sessions got their rows');
like($errs, qr/NOTICE:  the Polygon rate limit is enforced per session/, 'per-session: a NOTICE says so');
my @la = mock_log($mock, 'la');
my @lb = mock_log($mock, 'lb');
cmp_ok(min_of(gaps(@la)), '>=', $spacing - $slack, 'per-session: the first session spaces its requests');
cmp_ok(min_of(gaps(@lb)), '>=', $spacing - $slack, 'per-session: the second session spaces its requests');

# a 429 holds back every session using the key
make_server($shared, $mock, 'defer', 'tag=defer,status=429,times=1,retry_after=2', "requests_per_minute '0'");
make_server($shared, $mock, 'other', 'tag=other', "requests_per_minute '0'");
my ($h1, $out1, $err1) = background_psql($shared,
	"SELECT count(*) FROM defer.bars WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-06' AND ts < '2025-10-11';");
ok(wait_for_requests($mock, 'defer', 1), 'the first session got its 429');
my ($h2, $out2, $err2) = background_psql($shared,
	"SELECT count(*) FROM other.bars WHERE ticker = 'BOLT' AND timespan = 'day' AND ts >= '2025-10-06' AND ts < '2025-10-11';");
$h1->finish;
$h2->finish;
chomp($$out1, $$out2);
is("$$out1 $$out2", '5 5', 'both sessions got their rows after the 429');
my ($first429) = mock_log($mock, 'defer');
my ($other) = mock_log($mock, 'other');
cmp_ok($other->{t} - $first429->{t}, '>=', 1.9,
	sprintf('the other session waited out the Retry-After (%.2f s)', $other->{t} - $first429->{t}));

# a role cannot change the pacing of another role's key: mallory cycling 80 keys through her
# own user mapping (every one rejected by the API) takes no slot of a key in use, and keeps at
# most 16 keys of hers in use at once; her next key waits for one of them to come to rest
make_server($shared, $mock, 'rl', 'tag=rl', "requests_per_minute '15'");    # one every 4 s
my $rl_spacing = 4;
$shared->safe_psql(
	'postgres', qq{
SET log_statement = 'none';
CREATE ROLE alice LOGIN;
CREATE ROLE mallory LOGIN;
GRANT USAGE ON FOREIGN SERVER rl TO alice, mallory;
GRANT USAGE ON SCHEMA rl TO alice, mallory;
GRANT SELECT ON rl.bars TO alice, mallory;
CREATE USER MAPPING FOR alice SERVER rl OPTIONS (api_key '$mock->{key}');
CREATE USER MAPPING FOR mallory SERVER rl OPTIONS (api_key 'mallory-key-00');
});
my $rl_q = "SELECT count(*) FROM rl.bars WHERE ticker = '%s' AND timespan = 'day' "
  . "AND ts >= '2025-10-06' AND ts < '2025-10-11'";
is($shared->safe_psql('postgres', sprintf($rl_q, 'ACME'), extra_params => [ '-U', 'alice' ]),
	'5', 'alice: her first request');
my ($hm, $outm, $errm) = background_psql_as(
	$shared, 'mallory',
	map { ("ALTER USER MAPPING FOR mallory SERVER rl OPTIONS (SET api_key 'mallory-key-$_')",
			sprintf($rl_q, 'BOLT')) } 1 .. 80);
# long enough for 64 rejected requests before the fix, short of alice's next turn
wait_for_requests($mock, 'rl', 1 + 64, $rl_spacing - 2);
is($shared->safe_psql('postgres', sprintf($rl_q, 'CRWN'), extra_params => [ '-U', 'alice' ]),
	'5', 'alice: her second request');
my @alice = grep { $_->{status} == 200 } mock_log($mock, 'rl');
my @mallory = grep { $_->{status} == 401 } mock_log($mock, 'rl');
is(scalar(@alice), 2, 'alice made two requests');
cmp_ok($alice[1]{t} - $alice[0]{t}, '>=', $rl_spacing - $slack,
	sprintf('her second request still waited for her turn (%.2f s after the first)',
		$alice[1]{t} - $alice[0]{t}));
my @mallory_early = grep { $_->{t} < $mallory[0]{t} + $rl_spacing - 1 } @mallory;
is(scalar(@mallory_early), 16, 'mallory had 16 keys in use at once, then waited');
ok(wait_for_requests($mock, 'rl', 2 + 17, 10), 'mallory went on once a key of hers came to rest');
@mallory = grep { $_->{status} == 401 } mock_log($mock, 'rl');
cmp_ok($mallory[16]{t} - $mallory[0]{t}, '>=', $rl_spacing - $slack,
	sprintf('her 17th key waited for her first to come to rest (%.2f s)', $mallory[16]{t} - $mallory[0]{t}));
$shared->safe_psql('postgres',
	"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'mallory'");
$hm->finish;

stop_mock($mock);
done_testing();
