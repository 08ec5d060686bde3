
# Every pg_cron schedule of the manual, run by pg_cron: the statements that schedule jobs are
# read from the SQL blocks of docs/*.md and README.md and run as they are written (in database
# postgres, where pg_cron lives, for jobs in database research), so a schedule added to the docs
# is run here too.  Each job must have a name of its own (scheduling a name again replaces a
# job), and each must succeed when pg_cron runs it: a job whose command is two CALLs fails every
# night (pg_cron sends it as one query, one transaction, and the procedures commit).  The jobs
# run in two rounds, in the order of the night: the refreshes and the manifest, then the
# capture of the manifest's windows, on a store whose previous night already ran.  A
# documented job that another schedule replaced still runs, under a name of the test's.

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use TapeTest;

my $mock = start_mock();
my $node = new_node('schedules', cron => 1);
$node->safe_psql('postgres', 'CREATE EXTENSION pg_cron');

# the database the docs' jobs run in: tape, a server on the mock imported into schema polygon
# (as docs/getting-started.md does) and the profile research of docs/manifest.md
$node->safe_psql('postgres', 'CREATE DATABASE research');
$node->safe_psql('research', 'CREATE EXTENSION tape');
make_server_db($node, 'research', $mock, 'polygon', 'tag=research');
$node->safe_psql('research', "SELECT tape.copy_profile('core', 'research')");
# the night before: the store holds the last trading days and their events, and the backfill
# of minute bars since 2020 had its first night (it made the partitions since then: made while
# another job reads the store, they can deadlock with it, which these jobs are not here to show)
$node->safe_psql('research', 'CALL tape.refresh_daily()');
$node->safe_psql('research', "CALL tape.refresh_bars('minute', '2020-01-01')");
cmp_ok($node->safe_psql('research', 'SELECT count(*) FROM tape.events_intraday'),
	'>', 0, 'the store of the night before has events');

# the statements of the docs that schedule or unschedule pg_cron jobs, where they are written
my (@schedules, @unschedules);
foreach my $file (sort(glob('docs/*.md')), 'README.md')
{
	my $text = slurp_file($file);
	while ($text =~ /```sql\n(.*?)```/gs)
	{
		my $block = $1;
		next unless $block =~ /\bcron\./;
		$block =~ s/^\s*--.*\n//mg;
		foreach my $statement (split /;[ \t]*(?:--[^\n]*)?\n/, $block)
		{
			next unless $statement =~ /\bcron\.(schedule|unschedule)/;
			push @{ $1 eq 'schedule' ? \@schedules : \@unschedules }, { file => $file, sql => $statement };
		}
	}
}
cmp_ok(scalar(@schedules), '>=', 6, scalar(@schedules) . ' statements of the docs schedule jobs');

# run them as written; each job they schedule has a name of its own
my (@ids, %where, @made);
foreach my $s (@schedules)
{
	my ($ret, $stdout, $stderr) = $node->psql('postgres', $s->{sql});
	is($ret, 0, "$s->{file}: the schedule runs") or diag("$s->{sql}\n$stderr");
	foreach my $id (split /\n/, $stdout)
	{
		push @ids, $id;
		push @{ $where{$id} }, $s->{file};
		push @made,
		  [ $s->{file}, split /\|/, $node->safe_psql('postgres', "SELECT jobname, command, database FROM cron.job WHERE jobid = $id") ];
	}
}
my @reused = grep { @{ $where{$_} } > 1 } sort keys %where;
is(scalar(@reused), 0, 'no documented schedule replaces another (each job has a name of its own)')
  or diag(join("\n", map { "job $_ scheduled by " . join(', ', @{ $where{$_} }) } @reused));
is($node->safe_psql('postgres', 'SELECT count(*) FROM cron.job'), scalar(@ids), 'one job per schedule');
# a job another schedule replaced still runs below, under a name of the test's
foreach my $m (@made)
{
	my ($file, $name, $command, $db) = @$m;
	next if $node->safe_psql('postgres', "SELECT count(*) FROM cron.job WHERE command = \$\$$command\$\$");
	$node->safe_psql('postgres',
		"SELECT cron.schedule_in_database('$name ($file)', '0 0 1 1 *', \$\$$command\$\$, '$db')");
}
# the jobs of each documented name
my %job;
foreach (split /\n/, $node->safe_psql('postgres', 'SELECT jobname, jobid FROM cron.job'))
{
	my ($name, $id) = split /\|/;
	$name =~ s/ \(.*\)$//;
	push @{ $job{$name} }, $id;
}

# the order of the night: the refreshes and the manifest, then the capture of its windows
my @rounds = (
	[ 'tape-daily', 'tape-refs', 'tape-minute', 'tape-backfill-1', 'tape-backfill-2', 'tape-manifest' ],
	['tape-capture']);
is_deeply([ sort keys %job ], [ sort map { @$_ } @rounds ], 'every documented job has its turn below');

# run a round now: each job once, at the next minute (pg_cron reads schedules in UTC; a job made
# inactive while it runs would be cancelled, so it is given a time of day instead)
sub run_round
{
	my (@names) = @_;
	my @ids = map { @{ $job{$_} // [] } } @names;
	my $list = join(', ', @ids);
	my $since = $node->safe_psql('postgres', 'SELECT now()');
	my $at = $node->safe_psql('postgres',
		    "SELECT to_char(date_trunc('minute', now() AT TIME ZONE 'UTC') + interval '1 minute' "
		  . "* CASE WHEN extract(second FROM now()) > 50 THEN 2 ELSE 1 END, 'FMMI FMHH24')");
	$node->safe_psql('postgres', "SELECT cron.alter_job(jobid, schedule => '$at * * *') FROM cron.job WHERE jobid IN ($list)");
	my $ok = $node->poll_query_until('postgres',
		    "SELECT count(DISTINCT jobid) = " . scalar(@ids) . " FROM cron.job_run_details"
		  . " WHERE jobid IN ($list) AND start_time >= '$since' AND status IN ('succeeded', 'failed')", 't');
	ok($ok, 'pg_cron ran ' . join(', ', @names));
	foreach my $id (@ids)
	{
		my ($name, $result) = split /\|/, $node->safe_psql('postgres',
			    "SELECT j.jobname, string_agg(d.status || ': ' || d.return_message, '; ' ORDER BY d.runid)"
			  . " FROM cron.job j LEFT JOIN cron.job_run_details d ON d.jobid = j.jobid AND d.start_time >= '$since'"
			  . " WHERE j.jobid = $id GROUP BY j.jobname"), 2;
		is($result, 'succeeded: CALL', "the job $name succeeded");
	}
	return $since;
}

my $night = run_round(@{ $rounds[0] });
is( $node->safe_psql(
		'research', "SELECT count(*) FROM tape.manifest_builds WHERE profile = 'research' AND built_at >= '$night'"),
	'1', 'the manifest was built');
my $windows = $node->safe_psql('research', "SELECT count(*) FROM tape.manifest_windows WHERE profile = 'research'");
cmp_ok($windows, '>', 0, "of $windows windows");
run_round(@{ $rounds[1] });
is( $node->safe_psql(
		'research',
		"SELECT count(*) FROM tape.uncaptured_windows('research', 'trades') UNION ALL "
		  . "SELECT count(*) FROM tape.uncaptured_windows('research', 'quotes')"),
	"0\n0",
	'the capture stored the trades and quotes of every window of the days that are over');
cmp_ok($node->safe_psql('research', 'SELECT count(*) FROM tape.tick_windows'), '>', 0, 'as tick blocks');

# the statements that unschedule jobs unschedule them
foreach my $s (@unschedules)
{
	my ($ret, $stdout, $stderr) = $node->psql('postgres', $s->{sql});
	is($ret, 0, "$s->{file}: the unschedule runs") or diag("$s->{sql}\n$stderr");
	unlike($stdout, qr/\bf\b/, 'and finds its jobs');
}

$node->stop;
stop_mock($mock);
done_testing();
