
# tape.progress follows pg_stat_activity's rule: what another role's operation is
# at (its detail, such as the ticker, its counts and times) is shown only to roles
# with pg_read_all_stats or the privileges of that role; others see its pid and
# command, and "<insufficient privilege>".

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use TapeTest;

my $mock = start_mock();
my $node = new_node('progress_visibility', preload => 1);

# a sweep by alice over a slow API (pages of 2,000 bars, 0.4 s each)
make_server($node, $mock, 'slow', 'tag=vis,page=2000,delay_ms=400');
$node->safe_psql(
	'postgres', qq{
SET log_statement = 'none';
CREATE ROLE alice LOGIN;
CREATE ROLE bob LOGIN;
CREATE ROLE carol LOGIN IN ROLE pg_read_all_stats;
CREATE ROLE alice_team IN ROLE alice;
GRANT alice_team TO bob;
CREATE ROLE dave LOGIN;
GRANT USAGE ON SCHEMA tape TO alice, bob, carol, dave;
GRANT USAGE ON FOREIGN SERVER slow TO alice;
GRANT USAGE ON SCHEMA slow TO alice;
GRANT SELECT ON slow.bars TO alice;
-- the detectors read the trading calendar
GRANT SELECT ON tape.market_holidays TO alice;
CREATE USER MAPPING FOR alice SERVER slow OPTIONS (api_key '$mock->{key}');
});

my $sweep = "SELECT count(*) FROM tape.detect_intraday(\$\$SELECT * FROM slow.bars WHERE ticker IN ('ACME', 'BOLT', 'DYNX') "
  . "AND ts >= '2025-09-02' AND ts < '2025-10-01'\$\$)";
my $harness = IPC::Run::start(
	[ 'psql', '-XAtq', '-d', $node->connstr('postgres') . ' user=alice', '-c', $sweep ],
	'>', \my $sweep_out, '2>', \my $sweep_err);

my $view = "SELECT concat_ws('|', command, detail, unit IS NOT NULL, done IS NOT NULL, started IS NOT NULL, "
  . "status IS NOT NULL, usename) FROM tape.progress";

# what a role sees of the sweep, once it is under way with a known detail
sub seen_by
{
	my ($role) = @_;
	my $row = '';
	my $t0 = time();
	while (time() - $t0 < 30)
	{
		$row = $node->safe_psql('postgres', $view, extra_params => [ '-U', $role ]);
		# the sweep is at a ticker (which the role may or may not see)
		last if $row =~ /^tape\.detect_intraday\|(ACME|BOLT|DYNX|<insufficient privilege>)\|/;
		usleep(100_000);
	}
	return $row;
}

like(seen_by('alice'), qr/^tape\.detect_intraday\|(ACME|BOLT|DYNX)\|t\|t\|t\|t\|alice$/,
	'alice sees her own sweep: the ticker, the counts, the times');
like(seen_by('carol'), qr/^tape\.detect_intraday\|(ACME|BOLT|DYNX)\|t\|t\|t\|t\|alice$/,
	'carol, with pg_read_all_stats, sees it all');
like(seen_by('bob'), qr/^tape\.detect_intraday\|(ACME|BOLT|DYNX)\|t\|t\|t\|t\|alice$/,
	'bob, who has the privileges of alice, sees it all');
is(seen_by('dave'), 'tape.detect_intraday|<insufficient privilege>|f|f|f|f|alice',
	'dave sees that alice runs a sweep, not what it is at');
like(seen_by('postgres'), qr/^tape\.detect_intraday\|(ACME|BOLT|DYNX)\|/, 'a superuser sees it all');
is( $node->safe_psql(
		'postgres',
		"SELECT query = '<insufficient privilege>' FROM pg_stat_activity WHERE usename = 'alice'",
		extra_params => [ '-U', 'dave' ]),
	't',
	'the same rule as pg_stat_activity');

$harness->finish;
like($sweep_out, qr/^[0-9]+$/, 'the sweep finished');

# a row of tape.progress is an operation of tape's own or of a role the owner trusts: dave,
# with USAGE on schema tape, cannot publish one (of any name), update or end one
my $err;
my $dave = session($node, 'dave');
foreach my $call ("SELECT tape.progress_begin('tape.refresh_bars', 'units', 100)",
	'SELECT tape.progress_update(50)', 'SELECT tape.progress_end()')
{
	(undef, $err) = $dave->query($call);
	like($err, qr/permission denied for function progress_(begin|update|end)/, "dave may not call: $call");
}
is($node->safe_psql('postgres', 'SELECT count(*) FROM tape.progress'), '0', 'tape.progress shows nothing of his');
# with EXECUTE granted, his operation shows, under his name
$node->safe_psql('postgres',
	'GRANT EXECUTE ON FUNCTION tape.progress_begin(text, text, double precision, text, text), '
	  . 'tape.progress_update(bigint, bigint, bigint, text, double precision), tape.progress_end(boolean) TO dave');
$dave->query("SELECT tape.progress_begin('my_sweep', 'tickers', 100)");
$dave->query("SELECT tape.progress_update(50, detail => 'ACME')");
is($node->safe_psql('postgres', 'SELECT concat_ws(\'|\', command, detail, done, usename) FROM tape.progress'),
	'my_sweep|ACME|50|dave', 'granted EXECUTE, he reports his own operation');
$dave->query('SELECT tape.progress_end()');
is($node->safe_psql('postgres', 'SELECT count(*) FROM tape.progress'), '0', 'and ends it');
$dave->quit;

stop_mock($mock);
done_testing();
