
# The analytics seen from other sessions: a detector sweep shows its progress
# in tape.progress and in NOTICEs, stops at once when cancelled and frees its
# progress slot; a change to tape.market_holidays reaches every session at its
# next statement (no trigger: see calendar.c), and a repeatable-read
# transaction keeps the calendar of its snapshot.

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use TapeTest;

my $mock = start_mock();
my $node = new_node('analytics', preload => 1);

# three million bars of 400 tickers, made on the fly
my $bars = "SELECT 'T' || (i % 400) AS ticker, '2025-03-03 09:30-05'::timestamptz + (i / 400) * interval '1 minute' AS ts, "
  . "10 + sin(i) AS open, 10.2 AS high, 9.8 AS low, 10 + cos(i) AS close, 1000 AS volume "
  . "FROM generate_series(1, 3000000) AS i";
(my $quoted = $bars) =~ s/'/''/g;
# and three million day bars: 400 tickers, 7500 days each
(my $days = $quoted) =~ s/''2025-03-03 09:30-05''::timestamptz \+ \(i \/ 400\) \* interval ''1 minute'' AS ts/''2000-01-03''::date + i \/ 400 AS day/;

# progress: a sweep over a month of minute bars of three tickers from an API that
# answers pages of 2,000 bars in 0.4 s each (about 8 s in all); the view shows it
# while it runs, and the NOTICEs tell the same
make_server($node, $mock, 'slow', 'tag=prog,page=2000,delay_ms=400');
my ($h, $out, $err) = background_psql($node, 'SET tape.progress_interval = 1',
	"SELECT count(*) FROM tape.detect_intraday(\$\$SELECT * FROM slow.bars WHERE ticker IN ('ACME', 'BOLT', 'DYNX') "
	  . "AND ts >= '2025-09-02' AND ts < '2025-10-01'\$\$)");
my $row = '';
my $t0 = time();
while ($row eq '' && time() - $t0 < 30)
{
	$row = $node->safe_psql('postgres',
		"SELECT command, unit, done < total_estimate, percent BETWEEN 0 AND 100, detail IN ('ACME', 'BOLT', 'DYNX'), "
		  . "time_left IS NOT NULL, status ~ '^[0-9,]+ of about [0-9,]+ bars \\([0-9]+ %\\), [1-3] tickers, [0-9,]+ events, [0-9,]+ bars/s, about .* left\$' "
		  . "FROM tape.progress WHERE per_second > 0");
	usleep(100_000);
}
is($row, 'tape.detect_intraday|bars|t|t|t|t|t', 'tape.progress shows the running sweep with its counts, rate and time left');
$h->finish;
like($$err, qr/NOTICE:  tape.detect_intraday: [0-9,]+ of about [0-9,]+ bars \([0-9]+ %\), [1-3] tickers, [0-9,]+ events, [0-9,]+ bars\/s, about [0-9][^\n]* left\nDETAIL:  At (ACME|BOLT|DYNX)\./,
	'a NOTICE reports the counts, the rate and the time left');
like($$err, qr/NOTICE:  tape.detect_intraday: done, [0-9,]+ bars, 3 tickers, [0-9,]+ events, [0-9,]+ bars\/s, in [0-9]+ s/,
	'a closing NOTICE gives the totals');
like($$out, qr/^[0-9]+$/, 'the sweep returns its events');
is($node->safe_psql('postgres', 'SELECT count(*) FROM tape.progress'), '0', 'the finished sweep leaves tape.progress');

# cancel: the sweep stops within a second and frees its slot; the session goes on
($h, $out, $err) = background_psql($node, "SELECT count(*) FROM tape.detect_daily('$days')",
	"SELECT 'still alive'");
$t0 = time();
while ($node->safe_psql('postgres', 'SELECT count(*) FROM tape.progress WHERE done > 0') eq '0' && time() - $t0 < 60)
{
	usleep(50_000);
}
my $t1 = time();
$node->safe_psql('postgres',
	"SELECT pg_cancel_backend(pid) FROM tape.progress WHERE command = 'tape.detect_daily'");
while ($$err !~ /canceling statement/ && time() - $t1 < 30)
{
	eval { $h->pump_nb };
	usleep(10_000);
}
my $elapsed = time() - $t1;
$h->finish;
like($$err, qr/canceling statement due to user request/, 'a running sweep can be cancelled');
cmp_ok($elapsed, '<', 1.5, sprintf('it ends %.2f s after the cancel', $elapsed));
like($$out, qr/still alive/, 'the session goes on working');
is($node->safe_psql('postgres', 'SELECT count(*) FROM tape.progress'), '0', 'the cancelled sweep freed its slot');

# statement_timeout ends a sweep the same way
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"SET statement_timeout = '500ms'; SELECT count(*) FROM tape.detect_intraday('$quoted')");
like($stderr, qr/canceling statement due to statement timeout/, 'statement_timeout ends a sweep');

# a holiday added in one session is seen by another at its next statement
my ($hh, $hout, $herr) = background_psql($node,
	"SELECT tape.is_trading_day('2025-10-14')",
	"SELECT pg_sleep(2)",
	"SELECT tape.is_trading_day('2025-10-14'), tape.add_trading_days('2025-10-13', 1)");
usleep(800_000);    # the first statement has loaded the calendar
$node->safe_psql('postgres',
	"INSERT INTO tape.market_holidays (day, status, name) VALUES ('2025-10-14', 'closed', 'Test closing')");
$hh->finish;
is($$hout, "t\n\nf|2025-10-15\n", 'another session sees the new closing at its next statement')
  or diag($$herr);

# a transaction in REPEATABLE READ keeps the calendar of its snapshot, as it would any
# table's rows, and sees the change once it has ended
($hh, $hout, $herr) = background_psql($node,
	"BEGIN ISOLATION LEVEL REPEATABLE READ",
	"SELECT tape.is_trading_day('2025-10-14')",
	"SELECT pg_sleep(2)",
	"SELECT tape.is_trading_day('2025-10-14')",
	"COMMIT",
	"SELECT tape.is_trading_day('2025-10-14')");
usleep(800_000);    # the transaction has taken its snapshot
$node->safe_psql('postgres', "DELETE FROM tape.market_holidays WHERE day = '2025-10-14'");
$hh->finish;
is($$hout, "f\n\nf\nt\n", 'a repeatable-read transaction keeps its calendar and sees the deletion after it ends')
  or diag($$herr);

$node->stop;
stop_mock($mock);
done_testing();
