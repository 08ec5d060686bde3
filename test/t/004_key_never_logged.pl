
# The API key never reaches the server log, even with every statement and
# DEBUG1 messages logged, plans printed, and errors of every kind; and it is
# sent to the API only as "Authorization: Bearer".

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use TapeTest;

my $mock = start_mock();
my $node = new_node(
	'keylog',
	preload => 1,
	conf => "log_statement = 'all'\nlog_min_messages = debug1\nlog_min_error_statement = debug1\n"
	  . "debug_print_plan = on\nlog_error_verbosity = verbose\n");

make_server($node, $mock, 'ok', 'tag=ok');
make_server($node, $mock, 'retry', 'tag=retry,status=429,times=2', "retry_base_ms '1'");
make_server($node, $mock, 'bad', 'tag=bad,status=403');
make_server($node, $mock, 'broken', 'tag=broken,truncate=50');

my $q = "ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-10-06' AND ts < '2025-10-11'";
is($node->safe_psql('postgres', "SELECT count(*) FROM ok.bars WHERE $q"), '5', 'a query');
is($node->safe_psql('postgres', "SELECT count(*) FROM retry.bars WHERE $q"), '5', 'a query retried after 429');
my ($ret, $out, $err) = $node->psql('postgres', "SELECT count(*) FROM bad.bars WHERE $q");
like($err, qr/not entitled/, 'a refused query');
($ret, $out, $err) = $node->psql('postgres', "SELECT count(*) FROM broken.bars WHERE $q");
like($err, qr/invalid JSON/, 'a broken response');
$node->safe_psql('postgres', "EXPLAIN (ANALYZE, VERBOSE) SELECT * FROM ok.tickers WHERE ticker = 'ACME'");

my $log = PostgreSQL::Test::Utils::slurp_file($node->logfile);
like($log, qr/polygon_fdw: retrying after HTTP 429/, 'the server log has the DEBUG1 retries');
like($log, qr/FOREIGNSCAN/, 'the server log has the printed plans');
unlike($log, qr/\Q$mock->{key}\E/, 'the server log never contains the API key');

my @requests = mock_log($mock);
cmp_ok(scalar(@requests), '>=', 7, 'the mock received the requests');
is(scalar(grep { $_->{auth} ne 'bearer' } @requests), 0, 'every request carried the key as a Bearer header');
is(scalar(grep { $_->{path} =~ /api_?key/i } @requests), 0, 'no URL carried the key');
unlike(PostgreSQL::Test::Utils::slurp_file($mock->{log}), qr/\Q$mock->{key}\E/,
	'the mock log never contains the API key');

stop_mock($mock);
done_testing();
