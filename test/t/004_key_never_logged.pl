
# The API key never reaches the server log, even with every statement and
# DEBUG1 messages logged, plans printed, and errors of every kind; and it is
# sent to the API only as "Authorization: Bearer".  The S3 secret of the flat
# files is never sent at all (it signs requests) nor logged.

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

# flat files from the mock's S3, signed with the secret; then with a wrong one
my $dir = "$mock->{flatfiles}/us_stocks_sip/day_aggs_v1/2025/10";
system('mkdir', '-p', $dir) == 0 or die "mkdir $dir";
system("printf 'ticker,volume,open,close,high,low,window_start,transactions\nACME,1000,2,2.5,2.6,1.9,1759723200000000000,42\n'"
	  . " | gzip -c > $dir/2025-10-06.csv.gz") == 0 or die "gzip";
my $wrong = 'wrong-s3-secret-not-secret';
$node->safe_psql(
	'postgres', qq{
SET log_statement = 'none';
CREATE SERVER flat FOREIGN DATA WRAPPER polygon_fdw OPTIONS (flatfiles_url '$mock->{url}/flatfiles');
CREATE USER MAPPING FOR CURRENT_USER SERVER flat
  OPTIONS (s3_access_key_id '$mock->{s3_key_id}', s3_secret_access_key '$mock->{s3_secret}');
CREATE SCHEMA flat;
IMPORT FOREIGN SCHEMA polygon LIMIT TO (flat_day_aggs) FROM SERVER flat INTO flat;
});
is($node->safe_psql('postgres', "SELECT volume FROM flat.flat_day_aggs WHERE date = '2025-10-06'"),
	'1000', 'a flat file from S3');
$node->safe_psql('postgres',
	"SET log_statement = 'none'; ALTER USER MAPPING FOR CURRENT_USER SERVER flat OPTIONS (SET s3_secret_access_key '$wrong')");
($ret, $out, $err) = $node->psql('postgres', "EXPLAIN ANALYZE SELECT * FROM flat.flat_day_aggs WHERE date = '2025-10-06'");
like($err, qr/SignatureDoesNotMatch/, 'a flat file refused for a wrong secret');
unlike($err, qr/\Q$wrong\E/, 'the refusal does not show the secret');

my $log = PostgreSQL::Test::Utils::slurp_file($node->logfile);
like($log, qr/polygon_fdw: retrying after HTTP 429/, 'the server log has the DEBUG1 retries');
like($log, qr/FOREIGNSCAN/, 'the server log has the printed plans');
unlike($log, qr/\Q$mock->{key}\E/, 'the server log never contains the API key');
unlike($log, qr/\Q$mock->{s3_secret}\E|\Q$wrong\E/, 'the server log never contains an S3 secret');

my @requests = mock_log($mock);
cmp_ok(scalar(@requests), '>=', 7, 'the mock received the requests');
my @s3 = grep { $_->{path} =~ m{^/flatfiles/} } @requests;
is(scalar(@s3), 2, 'the mock received the two flat-file downloads');
is(scalar(grep { $_->{auth} ne 'sigv4' } @s3), 0, 'every download was signed (AWS Signature V4)');
@requests = grep { $_->{path} !~ m{^/flatfiles/} } @requests;
is(scalar(grep { $_->{auth} ne 'bearer' } @requests), 0, 'every request carried the key as a Bearer header');
is(scalar(grep { $_->{path} =~ /api_?key/i } @requests), 0, 'no URL carried the key');
unlike(PostgreSQL::Test::Utils::slurp_file($mock->{log}), qr/\Q$mock->{key}\E|\Q$mock->{s3_secret}\E/,
	'the mock log never contains the API key or the S3 secret');

stop_mock($mock);
done_testing();
