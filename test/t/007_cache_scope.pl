
# The request cache seen by two roles through two servers, with no grant on
# tape.request_cache: a page belongs to the server and the user mapping that
# fetched it (or to every mapping of a server with shared_cache); no role can
# read, write or forge rows; cache_stats/cache_clear act on what the caller
# may see; a damaged page is fetched again; reading a page locks nothing;
# transactions filling the cache never wait for each other nor fail, at any
# isolation level; no page is read inside a subtransaction.

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use TapeTest;

my $mock = start_mock();
my $node = new_node('cache_scope', preload => 1);

# requests the mock logged for a tag, and with a status
sub requests
{
	my ($tag, $status) = @_;
	return scalar(grep { !defined $status || $_->{status} == $status } mock_log($mock, $tag));
}

# two servers on the mock (different URLs), each with the cache on
my $wrong_key = 'regress-key-the-api-rejects-0000';
foreach my $s ('sa', 'sb', 'sc')
{
	$node->safe_psql(
		'postgres', qq{
SET log_statement = 'none';
CREATE SERVER $s FOREIGN DATA WRAPPER polygon_fdw
  OPTIONS (base_url '$mock->{url}/_f/tag=$s', requests_per_minute '0', cache 'true');
CREATE SCHEMA $s;
IMPORT FOREIGN SCHEMA polygon LIMIT TO (bars) FROM SERVER $s INTO $s;
});
}
# two ordinary roles: alice's key works on every server, bob's is rejected on sa and sc;
# they may use the servers and the tables, and call tape's functions: nothing on tape's tables
$node->safe_psql(
	'postgres', qq{
SET log_statement = 'none';
CREATE ROLE alice LOGIN;
CREATE ROLE bob LOGIN;
GRANT USAGE ON SCHEMA tape TO alice, bob;
CREATE USER MAPPING FOR alice SERVER sa OPTIONS (api_key '$mock->{key}');
CREATE USER MAPPING FOR alice SERVER sb OPTIONS (api_key '$mock->{key}');
CREATE USER MAPPING FOR alice SERVER sc OPTIONS (api_key '$mock->{key}');
CREATE USER MAPPING FOR bob SERVER sa OPTIONS (api_key '$wrong_key');
CREATE USER MAPPING FOR bob SERVER sb OPTIONS (api_key '$mock->{key}');
CREATE USER MAPPING FOR bob SERVER sc OPTIONS (api_key '$wrong_key');
ALTER SERVER sc OPTIONS (ADD shared_cache 'true');
});
foreach my $s ('sa', 'sb', 'sc')
{
	$node->safe_psql('postgres',
		"GRANT USAGE ON FOREIGN SERVER $s TO alice, bob; GRANT USAGE ON SCHEMA $s TO alice, bob; "
		  . "GRANT SELECT ON $s.bars TO alice, bob;");
}
is( $node->safe_psql(
		'postgres',
		"SELECT count(*) FROM pg_class c, aclexplode(c.relacl) a WHERE c.relnamespace = 'tape'::regnamespace AND c.relkind IN ('r', 'p', 'S') "
		  . "AND a.grantee IN ('alice'::regrole, 'bob'::regrole, 0) "
		  # the trading calendar is readable by everyone on purpose (sql/install/20_calendar.sql)
		  . "AND NOT (c.oid = 'tape.market_holidays'::regclass AND a.privilege_type = 'SELECT')"),
	'0',
	'alice and bob have no privilege on any table of tape but reading the calendar');

my $q = "SELECT count(*), sum(close) FROM %s.bars WHERE ticker = 'ACME' AND timespan = 'day' "
  . "AND ts >= '2025-09-01' AND ts < '2025-10-01'";

sub as
{
	my ($role, $sql) = @_;
	my ($ret, $out, $err) =
	  $node->psql('postgres', "SET timezone = 'America/New_York'; $sql",
		extra_params => [ '-U', $role ]);
	return ($ret, $out, $err);
}

# item 4: an ordinary role uses the cache without any grant: the second scan is a hit
my ($ret, $out, $err) = as('alice', sprintf($q, 'sa'));
is($ret, 0, 'alice scans sa without any grant on tape.request_cache') or diag($err);
my $rows = $out;
is(requests('sa'), 1, 'alice: one request on sa');
($ret, $out, $err) = as('alice', "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " . sprintf($q, 'sa'));
like($out, qr/HTTP Requests: 0\n.*Cache Hits: 1/s, 'alice: the same scan again is a cache hit');
is(requests('sa'), 1, 'alice: no second request on sa');

# item 2: the other server (another URL) never serves sa's page
($ret, $out, $err) = as('alice', sprintf($q, 'sb'));
is($out, $rows, 'alice gets the same rows from sb');
is(requests('sb'), 1, 'alice: sb made its own request (the key names the server)');

# item 3: bob's key is rejected on sa; alice's page of sa never reaches him
($ret, $out, $err) = as('bob', sprintf($q, 'sa'));
isnt($ret, 0, 'bob, whose key the API rejects, gets no rows from sa');
like($err, qr/the Polygon API rejected the API key of server "sa"/, 'bob: the API said why');
is(requests('sa', 401), 1, 'bob: the request went to the API with his own key');
# on sb his key works: his own request, then his own cache
($ret, $out, $err) = as('bob', sprintf($q, 'sb'));
is($out, $rows, 'bob gets the rows from sb');
is(requests('sb'), 2, 'bob: sb asked again for him (alice\'s page is hers)');
as('bob', sprintf($q, 'sb'));
is(requests('sb'), 2, 'bob: then his own page is a hit');

# a server with shared_cache: every role with a user mapping reads the shared pages,
# even one whose own key the API would reject (the documented meaning of sharing)
($ret, $out, $err) = as('alice', sprintf($q, 'sc'));
is(requests('sc'), 1, 'alice: sc made one request');
($ret, $out, $err) = as('bob', sprintf($q, 'sc'));
is($out, $rows, 'bob reads the shared page of sc');
is(requests('sc'), 1, 'bob: no request on the shared server');
# a role without a user mapping reads nothing, shared or not
$node->safe_psql('postgres',
	"CREATE ROLE carol LOGIN; GRANT USAGE ON FOREIGN SERVER sc TO carol; GRANT USAGE ON SCHEMA sc, tape TO carol; "
	  . "GRANT SELECT ON sc.bars TO carol;");
($ret, $out, $err) = as('carol', sprintf($q, 'sc'));
like($err, qr/user mapping not found for user "carol" on server "sc"/,
	'carol, without a user mapping, reads no shared page');

# item 4: the table is out of reach: no read, no write, no forged page
foreach my $stmt (
	'SELECT count(*) FROM tape.request_cache',
	'SELECT body FROM tape.request_cache LIMIT 1',
	"UPDATE tape.request_cache SET raw_bytes = raw_bytes",
	'DELETE FROM tape.request_cache',
	'TRUNCATE tape.request_cache',
	"INSERT INTO tape.request_cache (server, user_mapping, url, endpoint, raw_bytes, body) "
	  . "SELECT server, user_mapping, url || '&forged', endpoint, 2, '\\x00' FROM tape.request_cache")
{
	($ret, $out, $err) = as('alice', $stmt);
	like($err, qr/permission denied for (table|schema) request_cache|permission denied/,
		"alice may not: $stmt");
}
is($node->safe_psql('postgres', "SELECT count(*) FROM tape.request_cache WHERE url LIKE '%forged'"),
	'0', 'no forged page exists');

# cache_stats: each role sees its own pages and the shared ones of servers it has a mapping on
my $stats = "SELECT string_agg(concat_ws(':', server, coalesce(role, '(shared)'), pages), ' ' ORDER BY server, role) "
  . "FROM tape.cache_stats()";
($ret, $out, $err) = as('alice', $stats);
is($out, 'sa:alice:1 sb:alice:1 sc:(shared):1', 'alice sees her pages and the shared one');
($ret, $out, $err) = as('bob', $stats);
is($out, 'sb:bob:1 sc:(shared):1', 'bob sees his page and the shared one');
($ret, $out, $err) = as('carol', $stats);
is($out, '', 'carol sees nothing');
is($node->safe_psql('postgres', $stats), 'sa:alice:1 sb:alice:1 sb:bob:1 sc:(shared):1',
	'the owner sees every page');
($ret, $out, $err) = as('bob', "SELECT hits FROM tape.cache_stats() WHERE server = 'sb'");
is($out, '1', 'bob\'s hits are counted without writing to the page');

# cache_clear: bob clears only what he may see; clearing everything is for the owner
($ret, $out, $err) = as('bob', "SELECT tape.cache_clear(server => 'sb')");
is($out, '1', 'bob clears his page of sb');
($ret, $out, $err) = as('carol', 'SELECT tape.cache_clear()');
is($out, '0', 'carol clears nothing');
is($node->safe_psql('postgres', $stats), 'sa:alice:1 sb:alice:1 sc:(shared):1',
	'alice\'s pages and the shared one are still there');

# item 5: a damaged page of alice is discarded and fetched again, with a WARNING
$node->safe_psql('postgres',
	"UPDATE tape.request_cache SET raw_bytes = 2000000000 WHERE url LIKE '%tag=sa/%'");
($ret, $out, $err) = as('alice', sprintf($q, 'sa'));
is($out, $rows, 'alice still gets her rows from a damaged page');
like($err, qr/WARNING:  cached page of server "sa" is damaged; fetching it again/, 'with a WARNING');
is(requests('sa', 200), 2, 'the page was fetched again');
($ret, $out, $err) = as('alice', sprintf($q, 'sa'));
is(requests('sa', 200), 2, 'and kept again: the next scan is a hit');

# item 6: a read locks nothing and writes nothing: a session holding a read in an open
# transaction does not block another one reading the same page, nor does REPEATABLE READ fail
my $s1 = session($node, 'alice');
my $s2 = session($node, 'alice');
$s1->query("SET timezone = 'America/New_York'");
$s2->query("SET timezone = 'America/New_York'; SET lock_timeout = '2s'");
$s1->query('BEGIN');
is($s1->query(sprintf($q, 'sa')), $rows, 'session 1 reads the page in an open transaction');
my ($o2, $e2) = $s2->query(sprintf($q, 'sa'));
is($o2, $rows, 'session 2 reads the same page meanwhile, not blocked');
is($e2, '', 'without a lock timeout');
$s1->query('COMMIT');
$s1->query('BEGIN ISOLATION LEVEL REPEATABLE READ');
is($s1->query(sprintf($q, 'sa')), $rows, 'a REPEATABLE READ transaction reads the page');
is($s2->query(sprintf($q, 'sa')), $rows, 'another session reads it too');
my ($o1, $e1) = $s1->query(sprintf($q, 'sa'));
is($o1, $rows, 'the REPEATABLE READ transaction reads it again');
unlike($e1, qr/could not serialize/, 'without a serialization failure');
$s1->query('COMMIT');
$s1->query('BEGIN ISOLATION LEVEL SERIALIZABLE');
$s2->query('BEGIN ISOLATION LEVEL SERIALIZABLE');
is($s1->query(sprintf($q, 'sa')), $rows, 'a SERIALIZABLE transaction reads the page');
is($s2->query(sprintf($q, 'sa')), $rows, 'and another one');
($o1, $e1) = $s1->query('COMMIT');
($o2, $e2) = $s2->query('COMMIT');
is("$e1$e2", '', 'both commit');
is(requests('sa', 200), 2, 'every one of those reads was a hit');
# two REPEATABLE READ sessions that both miss a page both keep it without failing
$s1->query('BEGIN ISOLATION LEVEL REPEATABLE READ');
$s2->query('BEGIN ISOLATION LEVEL REPEATABLE READ');
$s1->query('SELECT 1');
$s2->query('SELECT 1');
my $q2 = $q =~ s/'ACME'/'BOLT'/r;
is($s1->query(sprintf($q2, 'sb')) ne '', 1, 'a REPEATABLE READ session fetches and keeps a page');
$s1->query('COMMIT');
($o2, $e2) = $s2->query(sprintf($q2, 'sb'));
unlike($e2, qr/could not serialize|ERROR/, 'another one, whose snapshot predates it, fetches and stores it without failing')
  or diag($e2);
$s2->query('COMMIT');

# pages nobody has yet, read by two open transactions at every isolation level: neither waits
# for the other's new page (a page another open transaction fetched is fetched again), neither
# fails, at a read or at commit, cache_stats() included; each page is kept once
$node->safe_psql(
	'postgres', qq{
SET log_statement = 'none';
CREATE SERVER sd FOREIGN DATA WRAPPER polygon_fdw
  OPTIONS (base_url '$mock->{url}/_f/tag=sd', requests_per_minute '0', cache 'true');
CREATE SCHEMA sd;
IMPORT FOREIGN SCHEMA polygon LIMIT TO (bars) FROM SERVER sd INTO sd;
CREATE USER MAPPING FOR alice SERVER sd OPTIONS (api_key '$mock->{key}');
GRANT USAGE ON FOREIGN SERVER sd TO alice; GRANT USAGE ON SCHEMA sd TO alice; GRANT SELECT ON sd.bars TO alice;
});
my $qd = "SELECT count(*), sum(close) FROM sd.bars WHERE ticker = '%s' AND timespan = 'day' "
  . "AND ts >= '2025-09-01' AND ts < '2025-10-01'";
my %want = map { $_ => (as('alice', sprintf($qd =~ s/sd\.bars/sb.bars/r, $_)))[1] } ('ACME', 'BOLT');
my $sd_pages = "SELECT count(*) FROM tape.request_cache WHERE url LIKE '%tag=sd/%'";
foreach my $iso ('READ COMMITTED', 'REPEATABLE READ', 'SERIALIZABLE')
{
	$node->safe_psql('postgres', "SELECT tape.cache_clear(server => 'sd')");
	my $sent = requests('sd');
	my @errs;
	foreach my $s ($s1, $s2)
	{
		$s->query("BEGIN ISOLATION LEVEL $iso");
		$s->query("SET LOCAL lock_timeout = '3s'");
	}
	# one page each, then the other's, which its transaction has kept but not committed
	foreach my $read ([ $s1, 'ACME' ], [ $s2, 'BOLT' ], [ $s1, 'BOLT' ], [ $s2, 'ACME' ])
	{
		my ($o, $e) = $read->[0]->query(sprintf($qd, $read->[1]));
		is($o, $want{ $read->[1] }, "$iso: $read->[1] read in an open transaction");
		push @errs, $e;
	}
	foreach my $s ($s1, $s2)
	{
		my ($o, $e) = $s->query('SELECT count(*) FROM tape.cache_stats()');
		push @errs, $e;
	}
	foreach my $s ($s1, $s2)
	{
		my ($o, $e) = $s->query('COMMIT');
		push @errs, $e;
	}
	is(join('', @errs), '', "$iso: no wait, no error, both commit");
	is(requests('sd') - $sent, 4, "$iso: each transaction asked for the pages it could not see");
	is($node->safe_psql('postgres', $sd_pages), '2', "$iso: each page kept once");
	$s1->query(sprintf($qd, 'BOLT'));
	is(requests('sd') - $sent, 4, "$iso: the other's page is a hit once committed");
}
# two SERIALIZABLE transactions that read pages nobody has, each its own, in turns
$node->safe_psql('postgres', "SELECT tape.cache_clear(server => 'sd')");
$s1->query('BEGIN ISOLATION LEVEL SERIALIZABLE');
$s2->query('BEGIN ISOLATION LEVEL SERIALIZABLE');
my @errs;
foreach my $read ([ $s1, 'ACME' ], [ $s2, 'BOLT' ], [ $s1, 'CRWN' ], [ $s2, 'DYNX' ], [ $s1, 'EVTX' ])
{
	push @errs, ($read->[0]->query(sprintf($qd, $read->[1])))[1];
}
push @errs, ($s1->query('COMMIT'))[1], ($s2->query('COMMIT'))[1];
is(join('', @errs), '', 'two SERIALIZABLE transactions reading new pages in turns both commit');
is($node->safe_psql('postgres', $sd_pages), '5', 'and every page is kept');
$s1->quit;
$s2->quit;

# reading cached pages starts no subtransaction, a damaged one included (DEBUG5 shows every
# subtransaction PostgreSQL starts; the DO block is the control)
my $damaged = $node->basedir . '/not_a_page';
open(my $fh, '>', $damaged) or die;
print $fh '{"status":"OK","results":{"t":1}}';
close($fh);
system('zstd', '-q', '-f', $damaged) == 0 or die 'zstd failed';
$node->safe_psql('postgres',
	"UPDATE tape.request_cache SET body = pg_read_binary_file('$damaged.zst'), raw_bytes = 34 "
	  . "WHERE url LIKE '%tag=sd/%ticker/BOLT/%'");
($ret, $out, $err) = as('alice',
	"SET client_min_messages = debug5; "
	  . sprintf($qd =~ s/= '%s'/IN ('ACME', 'BOLT')/r) . "; "
	  . sprintf($qd =~ s/= '%s'/IN ('ACME', 'BOLT')/r));
my @subxacts = $err =~ /StartSubTransaction\(1\)/g;
like($err, qr/WARNING:  cached page of server "sd" is damaged; fetching it again/, 'a damaged page was read');
is(scalar(@subxacts), 0, 'reading cached pages started no subtransaction');
($ret, $out, $err) = as('alice',
	'SET client_min_messages = debug5; DO $$ BEGIN PERFORM 1; EXCEPTION WHEN others THEN NULL; END $$');
@subxacts = $err =~ /StartSubTransaction\(1\)/g;
is(scalar(@subxacts), 1, 'DEBUG5 shows the subtransaction of an exception block');

# dropping a user mapping drops its pages
$node->safe_psql('postgres', 'DROP USER MAPPING FOR alice SERVER sa');
is($node->safe_psql('postgres', $stats), 'sb:alice:2 sc:(shared):1 sd:alice:5', 'alice\'s pages of sa went with her mapping');

stop_mock($mock);
done_testing();
