
# Pages are fetched lazily: the next page only when the current one has been
# consumed.  A LIMIT 10 costs one request; a cursor costs a request per page
# it reaches.

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use TapeTest;

my $mock = start_mock();
my $node = new_node('limit');

# the mock cuts pages at 1000 bars; ACME has about 480 minute bars a day
make_server($node, $mock, 'lim', 'tag=lim,page=1000');
make_server($node, $mock, 'cur', 'tag=cur,page=1000');
make_server($node, $mock, 'whole', 'tag=whole,page=1000');

my $where = "ticker = 'ACME' AND ts >= '2025-09-22' AND ts < '2025-10-04'";

my $rows = $node->safe_psql('postgres', "SELECT count(*) FROM (SELECT * FROM lim.bars WHERE $where LIMIT 10) s");
is($rows, '10', 'LIMIT 10 returns ten rows');
is(scalar(mock_log($mock, 'lim')), 1, 'LIMIT 10 makes exactly one request');

$rows = $node->safe_psql('postgres', "SELECT count(*) FROM whole.bars WHERE $where");
my $pages = int(($rows + 999) / 1000);
cmp_ok($rows, '>', 4000, "the whole range has $rows bars");
is(scalar(mock_log($mock, 'whole')), $pages, "the whole range takes $pages requests, one per page");

# a cursor reads on only as far as it is fetched
my $log = $mock->{log};
my $count_sql = "SELECT count(*) FROM regexp_split_to_table(pg_read_file('$log'), E'\\n') l "
  . "WHERE l LIKE '%\"tag\": \"cur\"%'";
my $out = $node->safe_psql(
	'postgres', qq{
BEGIN;
DECLARE c CURSOR FOR SELECT ts FROM cur.bars WHERE $where;
\\o /dev/null
FETCH 10 FROM c;
\\o
$count_sql;
\\o /dev/null
FETCH 995 FROM c;
\\o
$count_sql;
\\o /dev/null
FETCH 1000 FROM c;
\\o
$count_sql;
COMMIT;
});
is($out, "1\n2\n3", 'a cursor fetches page 2 only at row 1001 and page 3 only at row 2001')
  or diag($out);

# rescans (a nested loop) start the requests over
make_server($node, $mock, 'rescan', 'tag=rescan');
$out = $node->safe_psql(
	'postgres', qq{
SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_material = off;
SELECT d.day, count(b.ts)
  FROM (VALUES (1), (2)) AS d(day)
  JOIN rescan.bars b ON true
 WHERE b.ticker = 'ACME' AND b.timespan = 'day' AND b.ts >= '2025-10-06' AND b.ts < '2025-10-11'
 GROUP BY d.day ORDER BY d.day;
});
is($out, "1|5\n2|5", 'a rescanned foreign scan returns the same rows again');

stop_mock($mock);
done_testing();
