
# The JSON decoder against corrupted bodies: every real fixture body, cut
# short, with bytes replaced, deleted, inserted or repeated (a different
# deterministic corruption for each request), decoded through the whole scan.
# Each either decodes or fails with a clean error of its own SQLSTATE; no
# backend crashes, no internal error, and memory does not grow.

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use TapeTest;

my $mock = start_mock();
my $node = new_node('fuzz');
my $rounds = 150;

# fixture body, and a query reading every column of the table it feeds
my @cases = (
	[ 'v2_aggs_ticker_AAPL_range_1_minute_2023-07-31_limit_10_page1_with_next_url.json',
		"SELECT * FROM %s.bars WHERE ticker = 'AAPL' AND ts >= '2023-07-31' AND ts < '2023-08-01'" ],
	[ 'v2_aggs_grouped_locale_us_market_stocks_2005-04-04_adjusted_true.json',
		"SELECT * FROM %s.grouped_daily WHERE date = '2005-04-04'" ],
	[ 'v3_trades_AAPL_limit_2.json',
		"SELECT * FROM %s.trades WHERE ticker = 'AAPL' AND ts >= '2022-04-28' AND ts < '2022-04-29'" ],
	[ 'v3_quotes_AAPL_page2_last.json',
		"SELECT * FROM %s.quotes WHERE ticker = 'AAPL' AND ts >= '2022-05-10' AND ts < '2022-05-11'" ],
	[ 'spec_example_v3_reference_tickers_AAPL.json',
		"SELECT * FROM %s.ticker_details WHERE ticker = 'AAPL'" ],
	[ 'v3_reference_tickers_page2_last.json', "SELECT * FROM %s.tickers WHERE active" ],
	[ 'spec_example_v2_reference_news.json', "SELECT * FROM %s.news WHERE ticker = 'UBS'" ],
	[ 'v3_reference_conditions_asset_class_stocks.json', "SELECT * FROM %s.conditions" ],
	[ 'v1_marketstatus_upcoming.json', "SELECT * FROM %s.market_holidays" ],
	[ 'spec_example_stocks_v1_short_volume.json', "SELECT * FROM %s.short_volume WHERE ticker = 'A'" ],
);

$node->safe_psql('postgres', 'CREATE TABLE fuzz_result (fixture text, sqlstate text, message text)');
my $i = 0;
for my $case (@cases)
{
	my ($file, $query) = @$case;
	my $server = 'fz' . $i++;
	make_server($node, $mock, $server, "tag=$server,body=$file,mutate=1", "max_retries '0'");
	(my $sql = sprintf($query, $server)) =~ s/'/''/g;
	# every column through its text form, so every conversion runs
	$node->safe_psql(
		'postgres', qq{
DO \$\$
BEGIN
  FOR r IN 1 .. $rounds LOOP
    BEGIN
      EXECUTE 'SELECT count(md5(x::text)) FROM ($sql) x';
      INSERT INTO fuzz_result VALUES ('$file', '00000', NULL);
    EXCEPTION WHEN OTHERS THEN
      INSERT INTO fuzz_result VALUES ('$file', SQLSTATE, SQLERRM);
    END;
  END LOOP;
END
\$\$;
});
}

my $total = $node->safe_psql('postgres', 'SELECT count(*) FROM fuzz_result');
is($total, $rounds * scalar(@cases), "every one of the $total corrupted bodies was decoded or refused");
my $classes = $node->safe_psql('postgres',
	"SELECT string_agg(sqlstate || ':' || n, ' ' ORDER BY sqlstate) FROM "
	  . "(SELECT sqlstate, count(*) n FROM fuzz_result GROUP BY 1) s");
note("outcomes by SQLSTATE: $classes");
is($node->safe_psql('postgres', "SELECT count(*) FROM fuzz_result WHERE sqlstate LIKE 'XX%'"),
	'0', 'no internal error') or diag($node->safe_psql('postgres',
		"SELECT fixture || ': ' || message FROM fuzz_result WHERE sqlstate LIKE 'XX%' LIMIT 5"));
is($node->safe_psql('postgres',
		"SELECT count(*) FROM fuzz_result WHERE sqlstate <> '00000' AND sqlstate !~ '^(HV|22)'"),
	'0', 'every refusal is a foreign-data or data error') or diag($node->safe_psql('postgres',
		"SELECT DISTINCT sqlstate || ' ' || message FROM fuzz_result WHERE sqlstate <> '00000' AND sqlstate !~ '^(HV|22)' LIMIT 10"));
cmp_ok($node->safe_psql('postgres', "SELECT count(*) FROM fuzz_result WHERE sqlstate = '00000'"),
	'>', 0, 'some corruptions still decode (a changed digit is still a number)');

# the same session decodes 1,000 more corrupted pages without growing
my $rss = q{SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmRSS:\s+(\d+)'))[1]::bigint};
# a loop of n corrupted pages, errors swallowed
my $pages = sub {
	my ($n) = @_;
	return qq{
DO \$\$
BEGIN
  FOR r IN 1 .. $n LOOP
    BEGIN
      PERFORM count(md5(x::text)) FROM (SELECT * FROM fz0.bars WHERE ticker = 'AAPL' AND ts >= '2023-07-31' AND ts < '2023-08-01') x;
    EXCEPTION WHEN OTHERS THEN NULL;
    END;
  END LOOP;
END
\$\$;};
};
my $out = $node->safe_psql('postgres', $pages->(200) . "\n$rss;\n" . $pages->(1000) . "\n$rss;");
my ($before, $after) = split /\n/, $out;
cmp_ok($after - $before, '<', 4096, "resident memory grew by " . ($after - $before) . " kB over 1,000 corrupted pages");

$node->stop;
stop_mock($mock);
done_testing();
