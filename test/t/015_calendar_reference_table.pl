
# The trading calendar under Citus, without Citus: when Citus has made
# tape.market_holidays a reference table, the calendar must be read from the
# node's own placement of it (tape.market_holidays_<shard id>), because a query
# on the Citus table from inside a shard query is refused.  This cluster gets
# the few parts of Citus's metadata that the lookup reads (pg_dist_local_group,
# pg_dist_shard, pg_dist_placement, shard_name()) as plain tables, and a
# placement whose rows differ from the table's, so the test can tell which one
# the calendar reads.

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use TapeTest;

my $node = new_node('placement', preload => 1);
my $ask = "SELECT tape.is_trading_day('2025-10-14'), tape.session_of('2025-10-14 12:30-04')";

is($node->safe_psql('postgres', $ask), 't|RTH', 'without Citus, the calendar is the table');

$node->safe_psql(
	'postgres', q{
SET allow_system_table_mods = on;
CREATE TABLE pg_catalog.pg_dist_local_group (groupid integer);
INSERT INTO pg_catalog.pg_dist_local_group VALUES (1);
CREATE TABLE pg_catalog.pg_dist_shard (logicalrelid regclass, shardid bigint);
CREATE TABLE pg_catalog.pg_dist_placement (shardid bigint, groupid integer);
CREATE FUNCTION pg_catalog.shard_name(regclass, bigint) RETURNS text LANGUAGE sql STABLE
RETURN (SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname || '_' || $2)
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1);
-- the placement: the calendar, with 2025-10-14 closed
CREATE TABLE tape.market_holidays_102016 (LIKE tape.market_holidays INCLUDING ALL);
INSERT INTO tape.market_holidays_102016 SELECT * FROM tape.market_holidays;
INSERT INTO tape.market_holidays_102016 (day, status, name) VALUES ('2025-10-14', 'closed', 'Only in the placement');
});
is($node->safe_psql('postgres', $ask), 't|RTH', 'Citus without a distributed calendar: still the table');

# a session that has read the calendar already, and goes on after the table is distributed
my ($h, $out, $err) = background_psql($node, $ask, 'SELECT pg_sleep(2)', $ask,
	"SELECT count(*) FILTER (WHERE tape.session_of(ts) IS NULL) FROM generate_series('2025-10-14 10:00-04'::timestamptz, '2025-10-14 10:59-04', '1 minute') AS ts");
sleep(1);

# Citus makes the table a reference table with a placement on this node (group 1)
$node->safe_psql('postgres',
	"INSERT INTO pg_catalog.pg_dist_shard VALUES ('tape.market_holidays', 102016); "
	  . "INSERT INTO pg_catalog.pg_dist_placement VALUES (102016, 1)");
$h->finish;
is($$out, "t|RTH\n\nf|\n60\n",
	'a session reads the placement from its next statement on, inside a query too')
  or diag($$err);
is($node->safe_psql('postgres', $ask), 'f|', 'a new session reads the placement');

# an edit that Citus applies to the placement is seen at the next statement
$node->safe_psql('postgres',
	"UPDATE tape.market_holidays_102016 SET status = 'early_close', close_time = '12:00' WHERE day = '2025-10-14'");
is($node->safe_psql('postgres', $ask), 't|AH', 'an edit of the placement is seen');

# a placement on another node only: this node reads the table (through Citus, which routes it)
$node->safe_psql('postgres', 'UPDATE pg_catalog.pg_dist_placement SET groupid = 2');
is($node->safe_psql('postgres', $ask), 't|RTH', 'without a placement on this node, the table itself');

$node->stop;
done_testing();
