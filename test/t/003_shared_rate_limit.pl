
# requests_per_minute is shared by every session of the cluster (and every
# server using the same API key) when tape is in shared_preload_libraries;
# otherwise each session keeps its own budget and says so once.

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

stop_mock($mock);
done_testing();
