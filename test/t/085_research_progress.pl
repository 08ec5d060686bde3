
# The long research operations seen from other sessions: bars from a query of
# trades and triple-barrier labels over a query of bars show their progress in
# tape.progress, stop within a second when cancelled and free their slot.

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use TapeTest;

my $mock = start_mock();
my $node = new_node('research', preload => 1);

# progress: bars from three hours of ACME's trades (13,000) served in pages of 2,000 in 0.3 s each
make_server($node, $mock, 'slow', 'tag=prog,page=2000,delay_ms=300');
my ($h, $out, $err) = background_psql($node, 'SET tape.progress_interval = 1',
	"SELECT count(*) FROM tape.bars_from_trades(\$\$SELECT * FROM slow.trades WHERE ticker = 'ACME' "
	  . "AND ts >= '2025-10-02 09:30-04' AND ts < '2025-10-02 12:30-04'\$\$, 'dollar', 100000)");
my $row = '';
my $t0 = time();
while ($row eq '' && time() - $t0 < 60)
{
	$row = $node->safe_psql('postgres',
		"SELECT command, unit, detail, status ~ '^[0-9,]+ (of about [0-9,]+ )?trades.*, 1 tickers, [0-9,]+ bars' "
		  . "FROM tape.progress WHERE done > 0");
	usleep(100_000);
}
is($row, 'tape.bars_from_trades|trades|ACME|t', 'tape.progress shows bars being built from a query, with trades, tickers and bars');
$h->finish;
like($$err, qr/NOTICE:  tape.bars_from_trades: done, [0-9,]+ trades, 1 tickers, [0-9,]+ bars/,
	'a closing NOTICE gives the totals');
like($$out, qr/^[1-9][0-9]*$/, 'the bars are returned');
is($node->safe_psql('postgres', 'SELECT count(*) FROM tape.progress'), '0', 'the finished run leaves tape.progress');

# cancel: labels of 2,000 events over three million generated bars of 400 tickers, cancelled
# once they are under way: they stop within a second and free their slot; the session goes on
my $bars = "SELECT 'T' || lpad((i % 400)::text, 3, '0') AS ticker, "
  . "'2025-03-03 09:30-05'::timestamptz + (i / 400) * interval '1 minute' AS ts, "
  . "10 + sin(i) / 10 AS high, 9.9 + sin(i) / 10 AS low, 9.95 + sin(i) / 10 AS close FROM generate_series(1, 3000000) AS i";
my $events = "SELECT 'T' || lpad((i % 400)::text, 3, '0') AS ticker, "
  . "'2025-03-03 12:00-05'::timestamptz + (i / 400) * interval '13 minutes' AS ts, 0.01 AS volatility "
  . "FROM generate_series(1, 2000) AS i";
($h, $out, $err) = background_psql($node,
	"SELECT count(*) FROM tape.triple_barrier(\$\$$events\$\$, \$\$$bars\$\$)", "SELECT 'still alive'");
$t0 = time();
while ($node->safe_psql('postgres', "SELECT count(*) FROM tape.progress WHERE command = 'tape.triple_barrier' AND done > 0") eq '0'
	&& time() - $t0 < 60)
{
	usleep(50_000);
}
my $t1 = time();
$node->safe_psql('postgres', "SELECT pg_cancel_backend(pid) FROM tape.progress WHERE command = 'tape.triple_barrier'");
while ($$err !~ /canceling statement/ && time() - $t1 < 30)
{
	eval { $h->pump_nb };
	usleep(10_000);
}
my $elapsed = time() - $t1;
$h->finish;
like($$err, qr/canceling statement due to user request/, 'running labels can be cancelled');
cmp_ok($elapsed, '<', 1.5, sprintf('they end %.2f s after the cancel', $elapsed));
like($$out, qr/still alive/, 'the session goes on working');
is($node->safe_psql('postgres', 'SELECT count(*) FROM tape.progress'), '0', 'the cancelled run freed its slot');

# statement_timeout ends bars from a query of generated trades the same way
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"SET statement_timeout = '700ms'; SELECT count(*) FROM tape.bars_from_trades("
	  . "'SELECT ''T'' AS ticker, i::bigint * 1000000 AS sip_timestamp, 10 + sin(i) AS price, 100 AS size "
	  . "FROM generate_series(1, 20000000) AS i', 'tick', 50)");
like($stderr, qr/canceling statement due to statement timeout/, 'statement_timeout ends bars from a query');

$node->stop;
stop_mock($mock);
done_testing();
