
# A backend that stops waiting for its rate-limit turn gives the turn back,
# also when it is terminated (pg_terminate_backend) or killed: the sessions
# after it do not wait one interval too long per dead waiter.

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use TapeTest;

my $mock = start_mock();
# a killed backend restarts the cluster (TAP clusters do not by default)
my $node = new_node('ratelimit_exit', preload => 1, conf => 'restart_after_crash = on');

# 20 requests a minute: one every 3 s, shared by every session
make_server($node, $mock, 'rl', 'tag=rl', "requests_per_minute '20'");
my $interval = 3.0;

sub query
{
	my ($ticker) = @_;
	return "SELECT count(*) FROM rl.bars WHERE ticker = '$ticker' AND timespan = 'day' "
	  . "AND ts >= '2025-10-06' AND ts < '2025-10-11'";
}

# a session named $name running the query of $ticker, once it waits for its turn
sub waiter
{
	my ($name, $ticker) = @_;
	my ($h, $out, $err) = background_psql($node, "SET application_name = '$name'", query($ticker));
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = '$name' AND wait_event_type = 'Extension'"
	) or die "$name never waited";
	return ($h, $out, $err);
}

# when the mock received the request of a ticker
sub request_time
{
	my ($ticker) = @_;
	my @r = grep { $_->{path} =~ m{/ticker/$ticker/} } mock_log($mock, 'rl');
	return @r ? $r[-1]{t} : undef;
}

# a waiter in the middle of the queue is terminated: the next session takes its turn
$node->safe_psql('postgres', query('ACME'));
my $ta = request_time('ACME');
my ($hb) = waiter('waiter_b', 'BOLT');    # its turn: 3 s after ACME
my ($hc) = waiter('waiter_c', 'CRWN');    # 6 s after
$node->safe_psql('postgres',
	"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'waiter_b'");
$hb->finish;
my ($hd, $outd) = waiter('waiter_d', 'DYNX');
$hc->finish;
$hd->finish;
is($$outd, "5\n", 'the session after the terminated one got its rows');
ok(!defined request_time('BOLT'), 'the terminated session sent nothing');
my $gap_d = request_time('DYNX') - $ta;
my $gap_c = request_time('CRWN') - $ta;
cmp_ok($gap_d, '<', 2 * $interval - 0.5,
	sprintf('the next session took the terminated one\'s turn (%.2f s after the first request)', $gap_d));
cmp_ok($gap_d, '>=', $interval - 0.1, 'and kept the spacing');
cmp_ok($gap_c, '>=', 2 * $interval - 0.1, sprintf('the waiter behind it kept its own turn (%.2f s)', $gap_c));
cmp_ok($gap_c, '<', 3 * $interval - 0.5, 'without waiting longer');

# the last waiter is terminated: the key's schedule moves back
usleep(1_000_000 * $interval);
$node->safe_psql('postgres', query('EVTX'));
my $te = request_time('EVTX');
my ($hf) = waiter('waiter_f', 'FLUX');
$node->safe_psql('postgres',
	"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'waiter_f'");
$hf->finish;
$node->safe_psql('postgres', query('ACME'));
my $gap_g = (grep { $_->{path} =~ m{/ticker/ACME/} } mock_log($mock, 'rl'))[-1]{t} - $te;
cmp_ok($gap_g, '<', 2 * $interval - 0.5,
	sprintf('after the last waiter was terminated, the next request waited one interval (%.2f s)', $gap_g));

# a cancelled waiter gives its turn back the same way
usleep(1_000_000 * $interval);
$node->safe_psql('postgres', query('BOLT'));
my $tb = request_time('BOLT');
my ($hh) = waiter('waiter_h', 'CRWN');
$node->safe_psql('postgres', "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'waiter_h'");
$hh->finish;
$node->safe_psql('postgres', query('DYNX'));
my $gap_i = (grep { $_->{path} =~ m{/ticker/DYNX/} } mock_log($mock, 'rl'))[-1]{t} - $tb;
cmp_ok($gap_i, '<', 2 * $interval - 0.5,
	sprintf('after a cancelled waiter, the next request waited one interval (%.2f s)', $gap_i));

# a killed waiter: the postmaster reinitializes shared memory, and no turn survives it
usleep(1_000_000 * $interval);
$node->safe_psql('postgres', query('EVTX'));
my ($hk) = waiter('waiter_k', 'FLUX');
my $pid = $node->safe_psql('postgres', "SELECT pid FROM pg_stat_activity WHERE application_name = 'waiter_k'");
kill_backend($node, $pid);
$hk->finish;
$node->poll_query_until('postgres', 'SELECT true') or die 'the server did not come back';
my $t0 = time();
$node->safe_psql('postgres', query('FLUX'));
my $tf = request_time('FLUX');
cmp_ok($tf - $t0, '<', $interval - 1,
	sprintf('after a killed waiter and the restart, the next request went at once (%.2f s)', $tf - $t0));

stop_mock($mock);
done_testing();
