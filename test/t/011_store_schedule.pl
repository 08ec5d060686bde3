
# The store scheduled and kept: pg_cron jobs run a refresh (two jobs started at the
# same minute run it once, without duplicate requests), and pg_dump keeps what the
# refreshes loaded and how far they got, so a restored database goes on instead of
# fetching again.

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use TapeTest;

my $mock = start_mock();
my $node = new_node('cron', cron => 1);

$node->safe_psql('postgres', 'CREATE EXTENSION pg_cron');
make_server($node, $mock, 'polygon', 'tag=cron,delay_ms=300');
$node->safe_psql('postgres', "UPDATE tape.configuration SET value = '1' WHERE name = 'refresh.batch_size'");

# two jobs at the same minute: whichever starts second finds the refresh running
# (its units take 300 ms each) and ends at once
my $call = "CALL tape.refresh_bars('day', '2024-01-02', '2024-12-31', tickers => ARRAY['ACME', 'BOLT', 'CRWN', 'DYNX'])";
foreach my $job ('tape-bars-a', 'tape-bars-b')
{
	$node->safe_psql('postgres', "SELECT cron.schedule('$job', '* * * * *', \$\$$call\$\$)");
}
ok( $node->poll_query_until(
		'postgres', "SELECT count(*) = 2 FROM cron.job_run_details WHERE status = 'succeeded'",
		't'),
	'both jobs ran and succeeded');
$node->safe_psql('postgres', "SELECT cron.unschedule(jobname) FROM cron.job");
is($node->safe_psql('postgres', "SELECT string_agg(DISTINCT return_message, ',') FROM cron.job_run_details"),
	'CALL', 'pg_cron saw each CALL complete');
is( $node->safe_psql(
		'postgres', "SELECT count(*) || ' ' || min(status) || ' ' || min(units_done) FROM tape.refresh_runs WHERE units > 0"),
	'1 finished 4',
	'one run did the four units');
is($node->safe_psql('postgres', "SELECT count(*) FROM tape.bars_1d WHERE ticker = 'ACME' AND adjusted"),
	'252', "the day bars of 2024 are in the store");
my %paths;
$paths{ $_->{path} }++ foreach mock_log($mock, 'cron');
is(scalar(keys %paths), 4, 'four requests, one per unit');
is(scalar(grep { $_ > 1 } values %paths), 0, 'none made twice');

# pg_dump keeps the store (the partitions of the bars tables, the queue and the runs)
$node->safe_psql('postgres', 'CREATE DATABASE store');
$node->safe_psql('store', 'CREATE EXTENSION tape');
make_server_db($node, 'store', $mock, 'polygon', 'tag=dump');
$node->safe_psql('store', "UPDATE tape.configuration SET value = '2' WHERE name = 'refresh.batch_size'");
my $minute = "CALL tape.refresh_bars('minute', '2024-03-01', '2024-03-31', tickers => ARRAY['ACME', 'BOLT'])";
$node->safe_psql('store', $minute);
$node->safe_psql('store', "CALL tape.refresh_bars('day', '2024-01-02', '2024-12-31', tickers => ARRAY['ACME'])");
my $digest = "SELECT (SELECT count(*) || ' ' || md5(string_agg(b::text, ',' ORDER BY ticker, ts)) FROM tape.bars_1m b) "
  . "|| ' ' || (SELECT count(*) FROM tape.bars_1d) || ' ' || (SELECT count(*) FROM tape.work_queue WHERE status = 'done') "
  . "|| ' ' || (SELECT string_agg(name || '=' || value, ',') FROM tape.configuration WHERE changed)";
my $original = $node->safe_psql('store', $digest);
like($original, qr/^[0-9]{4,} [0-9a-f]{32} 252 3 refresh.batch_size=2$/, 'a store with minute and day bars');
my $dump = $node->basedir . '/store.sql';
command_ok([ 'pg_dump', '-d', $node->connstr('store'), '-f', $dump ], 'pg_dump of a database with a store');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('restored'), '-f', $dump ],
	'it restores into an empty database');
is($node->safe_psql('restored', $digest), $original,
	'with the same bars, the same units done and the same settings');
my ($ret, $stdout, $stderr) = $node->psql('restored', $minute);
like($stderr, qr/nothing to do/, 'a refresh of the restored store knows its units are done');
is(scalar(mock_log($mock, 'dump')), 3, 'and asks for nothing');
($ret, $stdout, $stderr) = $node->psql('restored',
	"CALL tape.refresh_bars('minute', '2024-04-01', '2024-04-30', tickers => ARRAY['ACME'])");
is($ret, 0, 'a new refresh of the restored store works (its partitions are made, its sequences go on)')
  or diag($stderr);

$node->stop;
stop_mock($mock);
done_testing();
