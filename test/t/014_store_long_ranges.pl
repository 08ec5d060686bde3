
# A refresh over decades on a cluster with a small lock table: it makes the
# partitions of its own table from the earliest market date on, a year per
# transaction, so the locks it holds at once stay those of one year's
# partitions (one transaction for the whole range ran out of shared memory).

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use TapeTest;

my $mock = start_mock();
# 10 locks per transaction x 22 backends: room for the partitions of a year,
# not for those of decades
my $node = new_node('long', conf => "max_locks_per_transaction = 10\n");
make_server($node, $mock, 'polygon', 'tag=long');

my ($rc, $out, $err) = $node->psql('postgres',
	"CALL tape.refresh_bars('day', '1900-01-01', '2024-12-31', tickers => ARRAY['ACME'])");
is($rc, 0, 'the refresh from 1900 ran on a small lock table');
unlike($err, qr/shared memory|ERROR/, 'without running out of shared memory')
  or diag($err);
is( $node->safe_psql(
		'postgres', q{
SELECT count(*) || ' ' || min(c.relname) || ' ' || max(c.relname)
  FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid WHERE h.inhparent = 'tape.bars_1d'::regclass}),
	'55 bars_1d_1970 bars_1d_2024',
	'a partition a year of day bars from 1970 to 2024');
is( $node->safe_psql(
		'postgres', q{
SELECT count(*) FROM pg_inherits h
 WHERE h.inhparent IN ('tape.bars_1m'::regclass, 'tape.bars_1h'::regclass, 'tape.market_daily'::regclass)}),
	'0', 'and none of the other tables');
is( $node->safe_psql(
		'postgres',
		"SELECT count(*) || ' ' || min(unit_key) || ' ' || bool_and(status = 'done') FROM tape.work_queue"),
	'55 ACME 1970 true',
	'a unit a year from 1970, all done');
is(scalar(mock_log($mock, 'long')), 55, 'a request a unit');
is($node->safe_psql('postgres', "SELECT count(*) FROM tape.bars_1d WHERE adjusted"),
	'502', 'the bars of 2023 and 2024, the years the mock has (from 2023-01-03)');

$node->stop;
stop_mock($mock);
done_testing();
