
# Every function and procedure of the extension called with NULL in each of its
# arguments in turn (the others given values that pass their checks), with a NULL
# inside each array argument (an element) and each row argument (its fields), and
# once with NULL in all of them: none crashes the server, hangs (a statement_timeout
# that fires is a failure), or ends in an internal error (XX000) other than the
# can't-happen ones of functions that only aggregates may call.  The sweep runs as a
# superuser (the deepest paths) and again as a role with nothing but USAGE on schema
# tape (what any role can reach).  The list of routines is read from the catalog, so
# a routine added later is swept without a change here; the outcome of every call is
# written to tmp_check/log/020_null_arguments_<role>.txt.

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use Time::HiRes qw(time);
use TapeTest;

my $mock = start_mock();
# a crash must not end the sweep: the server restarts and the sweep goes on, so that
# one run names every call that crashes.  Statements are not logged (blocks as literals
# make megabytes of them); a crash still logs the statement that caused it.
my $node = new_node('nulls', preload => 1,
	conf => "restart_after_crash = on\nlog_statement = none\nlog_min_error_statement = panic");

# data the samples are made of, from the mock: a day of ACME's minute bars, months of
# its day bars, and a window of its trades and quotes packed into blocks
make_server($node, $mock, 'good');
$node->safe_psql(
	'postgres', q{
CREATE SCHEMA sweep;
CREATE TABLE sweep.bars_1m AS SELECT * FROM good.bars
 WHERE ticker = 'ACME' AND ts >= '2025-09-02 08:00+00' AND ts < '2025-09-03 00:00+00';
CREATE TABLE sweep.bars_1d AS SELECT * FROM good.bars
 WHERE ticker = 'ACME' AND timespan = 'day' AND ts >= '2025-06-02' AND ts < '2025-09-03';
CREATE TABLE sweep.trades AS SELECT * FROM good.trades
 WHERE ticker = 'ACME' AND ts >= '2025-09-02 13:57+00' AND ts < '2025-09-02 14:07+00';
CREATE TABLE sweep.quotes AS SELECT * FROM good.quotes
 WHERE ticker = 'ACME' AND ts >= '2025-09-02 13:57+00' AND ts < '2025-09-02 14:07+00';
CREATE TABLE sweep.events AS
  SELECT 'ACME'::text AS ticker, '2025-09-02 14:00+00'::timestamptz AS ts, 1 AS side, 0.01::float8 AS volatility;
CREATE TABLE sweep.blocks AS
  SELECT 'trades' AS kind, tape.pack_trades(t ORDER BY t.sip_timestamp) AS block FROM sweep.trades t
  UNION ALL
  SELECT 'quotes', tape.pack_quotes(q ORDER BY q.sip_timestamp) FROM sweep.quotes q;
});
is( $node->safe_psql(
		'postgres',
		q{SELECT (SELECT count(*) > 100 FROM sweep.bars_1m) AND (SELECT count(*) > 40 FROM sweep.bars_1d)
             AND (SELECT count(*) > 10 FROM sweep.trades) AND (SELECT count(*) > 10 FROM sweep.quotes)}),
	't',
	'the samples have rows');

# the store's foreign tables point at a closed port and never retry: a refresh the
# sweep starts plans its units and fails them at once, with no request anywhere
$node->safe_psql(
	'postgres', qq{
SET log_statement = 'none';
CREATE SERVER polygon FOREIGN DATA WRAPPER polygon_fdw
  OPTIONS (base_url 'http://127.0.0.1:9', max_retries '0', requests_per_minute '0', cache 'false');
CREATE USER MAPPING FOR PUBLIC SERVER polygon OPTIONS (api_key '$mock->{key}');
CREATE SCHEMA polygon;
IMPORT FOREIGN SCHEMA polygon FROM SERVER polygon INTO polygon;
UPDATE tape.configuration SET value = '0 s' WHERE name = 'refresh.retry_delay';
UPDATE tape.configuration SET value = '1' WHERE name = 'refresh.max_attempts';
CREATE ROLE regress_nulls LOGIN;
GRANT USAGE ON SCHEMA tape, sweep TO regress_nulls;
GRANT SELECT ON ALL TABLES IN SCHEMA sweep TO regress_nulls;
});

# a value of each type that passes the routine's own checks, so that the NULL next to it
# is what the routine meets: by routine and argument, by argument name, then by type
my $trades_block = q{(SELECT block FROM sweep.blocks WHERE kind = 'trades')};
my $quotes_block = q{(SELECT block FROM sweep.blocks WHERE kind = 'quotes')};
my $unit = q<jsonb_populate_record(NULL::tape.work_queue, '{"unit_id": 1, "queue": "bars_1d", "unit_key": "ACME 2025", >
  . q<"ticker": "ACME", "range_start": "2025-01-01 05:00+00", "range_end": "2026-01-01 05:00+00", >
  . q<"params": {"adjusted": true}, "status": "pending", "attempts": 0, "run_attempts": 0}')>;
my $run = q<jsonb_populate_record(NULL::tape.refresh_runs, '{"run_id": 1, "refresh": "bars_1d", "arguments": {}, >
  . q<"status": "running", "leader_pid": 1, "workers": 1, "started_at": "2025-09-02 00:00+00", "units": 0, >
  . q<"units_done": 0, "units_failed": 0, "rows": 0, "requests": 0}')>;
my $window = q{ARRAY[tstzrange('2025-09-02 13:57+00', '2025-09-02 14:07+00')]};

my %by_routine = (
	'detect_daily.bars_query' => q{'SELECT * FROM sweep.bars_1d'},
	'detect_daily_internal.bars_query' => q{'SELECT * FROM sweep.bars_1d'},
	'detect_daily_internal.config' => q{tape.detector_config('daily')},
	'detect_intraday_internal.config' => q{tape.detector_config('intraday')},
	'daily_events.2' => q{tape.detector_config('daily')},
	'intraday_events.2' => q{tape.detector_config('intraday')},
	'daily_events.1' => q{(SELECT b FROM sweep.bars_1d b ORDER BY ts LIMIT 1)},
	'daily_events_step.2' => q{(SELECT b FROM sweep.bars_1d b ORDER BY ts LIMIT 1)},
	'intraday_events.1' => q{(SELECT b FROM sweep.bars_1m b ORDER BY ts LIMIT 1)},
	'intraday_events_step.2' => q{(SELECT b FROM sweep.bars_1m b ORDER BY ts LIMIT 1)},
	'pack_trades.1' => q{(SELECT t FROM sweep.trades t ORDER BY sip_timestamp LIMIT 1)},
	'pack_trades_accum.2' => q{(SELECT t FROM sweep.trades t ORDER BY sip_timestamp LIMIT 1)},
	'pack_quotes.1' => q{(SELECT q FROM sweep.quotes q ORDER BY sip_timestamp LIMIT 1)},
	'pack_quotes_accum.2' => q{(SELECT q FROM sweep.quotes q ORDER BY sip_timestamp LIMIT 1)},
	'tick_block_in.1' => "$trades_block\::text::cstring",
	'pv_state_in.1' => q{'(2,20,2000,10,10)'::cstring},
	'ohlcv_state_in.1' => q{'(1,"2025-09-02 14:00:00+00","2025-09-02 14:00:00+00",10,10,10,10,100,1000,1,0)'::cstring},
	'tick_block.1' => "$trades_block\::bytea",
	'bars_from_trades.kind' => q{'time'},
	'bars_from_trades_internal.kind' => q{'time'},
	'bars_from_trades.size' => '60',
	'bars_from_trades_internal.size' => '60',
	'copy_profile.source' => q{'core'},
	'copy_profile.target' => q{'sweep_copy'},
	'setting.name' => q{'refresh.batch_size'},
	'setting_is_valid.name' => q{'refresh.batch_size'},
	'setting_is_valid.value' => q{'4'},
	'profile.name' => q{'core'},
	'foreign_table.name' => q{'bars'},
	'foreign_server_option.foreign_table' => q{'bars'},
	'merge_config.path' => q{''},
	'detect_units.store' => q{'bars_1m'},
	'detector_config.section' => q{'intraday'},
	'research_config.config' => q{'{}'},
	'event_types.kind' => q{'intraday'},
	'event_anchor.source' => q{'intraday'},
	'polygon_fdw_validator.1' => q{ARRAY['base_url=http://127.0.0.1:9']},
	'polygon_fdw_validator.2' => q{'pg_foreign_server'::regclass::oid},
	'run_event_step.refresh' => q{'features'},
	'run_event_step.units' => q{'SELECT NULL::text, NULL::text, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::jsonb WHERE false'},
	'forget_dropped_events.event_table' => q{'tape.event_features'},
	'run_event_step.event_table' => q{'tape.event_features'},
);
# the functions behind the SQL wrappers take the configuration merged with its defaults
$by_routine{"$_.config"} = q{tape.research_config()}
  foreach qw(bars_from_trades_internal window_features_internal triple_barrier_internal
  triple_barrier_ticks_internal window_svg_internal window_chart_internal window_qa_internal);
my %by_name = (
	bars_query => q{'SELECT * FROM sweep.bars_1m'},
	events_query => q{'SELECT * FROM sweep.events'},
	trades_query => q{'SELECT * FROM sweep.trades'},
	command => q{'tape.sweep'},
	refresh => q{'bars_1d'},
	queue => q{'bars_1d'},
	store => q{'tape.bars_1d'},
	timespan => q{'day'},
	profile => q{'core'},
	ticker => q{'ACME'},
	tickers => q{ARRAY['ACME']},
	queues => q{ARRAY['bars_1d']},
	kinds => q{ARRAY['trades']},
	kind => q{'trades'},
	what => q{'both'},
	period => q{'month'},
	endpoint => q{'bars'},
	server => q{'polygon'},
	option => q{'requests_per_minute'},
	disk_budget => q{'1 GB'},
	prepare => q{'SELECT 1'},
	units => q{tape.queued_units(ARRAY['bars_1d'])},
	'steps:text[]' => q{ARRAY[tape.queued_units(ARRAY['bars_1d'])]},
	unit => q{'units'},
	sqlstate => q{'P0001'},
	trades => $trades_block,
	block => $trades_block,
	quotes => $quotes_block,
	from_date => q{'2025-09-02'::date},
	to_date => q{'2025-09-03'::date},
	from_day => q{'2025-09-02'::date},
	to_day => q{'2025-09-03'::date},
	range_start => q{'2025-09-02 13:57+00'::timestamptz},
	range_end => q{'2025-09-02 14:07+00'::timestamptz},
	win_start => q{'2025-09-02 13:57+00'::timestamptz},
	win_end => q{'2025-09-02 14:07+00'::timestamptz},
	window_end => q{'2025-09-02 14:07+00'::timestamptz},
	from_ts => q{'2025-09-02 13:30+00'::timestamptz},
	to_ts => q{'2025-09-02 20:00+00'::timestamptz},
	config => q{'{}'::jsonb},
	'ranges:tstzrange[]' => $window,
	'series:tstzrange[]' => $window,
	'windows:tstzrange[]' => $window,
	run_id => q{(SELECT coalesce(max(run_id), 1) FROM tape.refresh_runs)},
	size => '100',
	side => '1',
	volatility => '0.01',
	top_n => '5',
	requests_per_minute => '5',
	lookback => '20',
	n => '14',
);
my %by_type = (
	'bigint' => '1',
	'bigint[]' => 'ARRAY[1]::bigint[]',
	'boolean' => 'false',
	'bytea' => "$trades_block\::bytea",
	'cstring' => q{'x'::cstring},
	'date' => q{'2025-09-02'::date},
	'double precision' => '10',
	'integer' => '1',
	'internal' => 'NULL::internal',
	'interval' => q{'1 day'::interval},
	'jsonb' => q{'{}'::jsonb},
	'oid' => '0::oid',
	'regclass' => q{'tape.bars_1d'::regclass},
	'text' => q{'x'},
	'text[]' => q{ARRAY['x']},
	'timestamp with time zone' => q{'2025-09-02 14:00+00'::timestamptz},
	'tstzrange[]' => $window,
	'tape.tick_block' => $trades_block,
	'tape.work_queue' => $unit,
	'tape.work_queue[]' => "ARRAY[$unit]",
	'tape.refresh_runs' => $run,
	'tape.stored_profiles' => q{tape.profile('core')},
	'tape.pv_state' => q{'(2,20,2000,10,10)'::tape.pv_state},
	'tape.ohlcv_state' =>
	  q{'(1,"2025-09-02 14:00:00+00","2025-09-02 14:00:00+00",10,10,10,10,100,1000,1,0)'::tape.ohlcv_state},
	'tape.manifest[]' => q{'{}'::tape.manifest[]},
	'tape.manifest_choice[]' => q{'{}'::tape.manifest_choice[]},
	'tape.manifest_windows[]' => q{'{}'::tape.manifest_windows[]},
	'tape.capture_step[]' => q{'{}'::tape.capture_step[]},
	'tape.intraday_event[]' => q{'{}'::tape.intraday_event[]},
	'name' => q{'polygon'::name},
	'regprocedure' => q{'tape.version()'::regprocedure},
	'double precision[]' => 'ARRAY[10]::double precision[]',
	'integer[]' => 'ARRAY[1]',
	'timestamp with time zone[]' => q{ARRAY['2025-09-02 14:00+00'::timestamptz]},
);

# the routines of the extension: name, kind (f, p, a, w), and the arguments a call passes
# (a procedure's OUT arguments too, as NULL), each as name|type|mode
my @routines;
foreach my $line (
	split /\n/,
	$node->safe_psql(
		'postgres', q{
SELECT p.oid, p.pronamespace::regnamespace, p.proname, p.prokind, p.prorettype = 'trigger'::regtype,
       coalesce((SELECT string_agg(concat_ws('|', coalesce(a.name, ''), format_type(a.typ, NULL), a.mode), ';' ORDER BY a.n)
                   FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]),
                               coalesce(p.proargnames, array_fill(''::text, ARRAY[cardinality(coalesce(p.proallargtypes, p.proargtypes::oid[]))])),
                               coalesce(p.proargmodes, array_fill('i'::"char", ARRAY[p.pronargs])))
                        WITH ORDINALITY AS a (typ, name, mode, n)
                  WHERE a.mode IN ('i', 'b', 'v') OR (p.prokind = 'p' AND a.mode = 'o')), '')
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'tape'
 ORDER BY p.proname, p.oid}))
{
	my ($oid, $schema, $name, $kind, $trigger, $args) = split /\|/, $line, 6;
	my @args;
	foreach my $a (split /;/, $args)
	{
		my ($aname, $type, $mode) = split /\|/, $a;
		push @args, { name => $aname, type => $type, mode => $mode };
	}
	push @routines, { oid => $oid, schema => $schema, name => $name, kind => $kind, trigger => $trigger eq 't', args => \@args };
}
cmp_ok(scalar(@routines), '>', 200, 'the extension\'s routines are read from the catalog');

# the value passed for argument $i (1-based) of a routine
sub sample
{
	my ($r, $i) = @_;
	my $a = $r->{args}[ $i - 1 ];
	return "NULL::$a->{type}" if $a->{mode} eq 'o' || $a->{type} eq 'internal';
	return $by_routine{"$r->{name}.$a->{name}"} if $a->{name} ne '' && exists $by_routine{"$r->{name}.$a->{name}"};
	return $by_routine{"$r->{name}.$i"} if exists $by_routine{"$r->{name}.$i"};
	return $by_name{"$a->{name}:$a->{type}"} if exists $by_name{"$a->{name}:$a->{type}"};
	return $by_name{ $a->{name} } if $a->{name} ne '' && exists $by_name{ $a->{name} };
	return $by_type{ $a->{type} } if exists $by_type{ $a->{type} };
	die "no sample value for $r->{name} argument $i ($a->{name} $a->{type})";
}

# the statement that calls a routine with these argument expressions
sub call_sql
{
	my ($r, @values) = @_;
	my $name = "$r->{schema}.$r->{name}";
	my $list = join(', ', @values);
	return "CALL $name($list)" if $r->{kind} eq 'p';
	return "SELECT $name($list) FROM generate_series(1, 3) AS g" if $r->{kind} eq 'a';
	return "SELECT $name($list) OVER (ORDER BY g) FROM generate_series(1, 3) AS g" if $r->{kind} eq 'w';
	return "SELECT $name($list)";
}

# CALL takes no subquery in its arguments: every sample is computed once, kept in a psql
# variable and passed as its literal (:'sN'::type)
my (%literal, @variables);

sub literal
{
	my ($expr) = @_;
	return $expr if $expr =~ /^NULL::/;
	if (!exists $literal{$expr})
	{
		my ($type, $value) = split /\|/,
		  $node->safe_psql('postgres', "SELECT pg_typeof(v), v::text FROM (SELECT $expr AS v) AS s WHERE v::text IS NOT NULL"), 2;
		die "the sample $expr is NULL" unless defined $value;
		push @variables, $value;
		$literal{$expr} = ":'s$#variables'::$type";
	}
	return $literal{$expr};
}

# whether a type is a composite (a row type)
my %composite;

sub composite
{
	my ($type) = @_;
	$composite{$type} //=
	  $node->safe_psql('postgres', "SELECT typtype = 'c' FROM pg_catalog.pg_type WHERE oid = '$type'::regtype") eq 't';
	return $composite{$type};
}

# every call: NULL in each argument that can take another value, then NULL in all.
# A NULL of a polymorphic argument takes the type of the sample beside it (anyelement
# needs one); an internal argument is always NULL (SQL has no other value of it, and
# no NULL either: such functions are called so that the refusal is seen)
my @calls;
foreach my $r (@routines)
{
	my $n = scalar @{ $r->{args} };
	my @samples = map { literal(sample($r, $_)) } 1 .. $n;
	my @nulls = map {
		my $type = $r->{args}[ $_ - 1 ]{type};
		$type = $1 if ($type =~ /^any/ || $type eq 'record') && $samples[ $_ - 1 ] =~ /::([^:]+)$/;
		"NULL::$type"
	} 1 .. $n;
	my @nullable = grep { $r->{args}[ $_ - 1 ]{mode} ne 'o' && $r->{args}[ $_ - 1 ]{type} ne 'internal' } 1 .. $n;
	foreach my $i (@nullable)
	{
		my @values = @samples;
		$values[ $i - 1 ] = $nulls[ $i - 1 ];
		push @calls, { routine => $r, what => "NULL in argument $i", sql => call_sql($r, @values) };
	}
	# NULL inside an argument: an array whose element is NULL, a row whose fields are
	foreach my $i (@nullable)
	{
		(my $type = $nulls[ $i - 1 ]) =~ s/^NULL:://;
		my $inner;
		if ($type =~ /^(.*)\[\]$/)
		{
			$inner = literal("ARRAY[NULL::$1]");
		}
		elsif (composite($type))
		{
			$inner = literal("jsonb_populate_record(NULL::$type, '{}')");
		}
		next unless defined $inner;
		my @values = @samples;
		$values[ $i - 1 ] = $inner;
		push @calls, { routine => $r, what => "NULL inside argument $i", sql => call_sql($r, @values) };
	}
	if (@nullable != 1)
	{
		push @calls,
		  {
			routine => $r,
			what => @nullable ? 'NULL in every argument' : 'its only call',
			sql => call_sql($r, @nulls)
		  };
	}
}
cmp_ok(scalar(@calls), '>', 500, 'every routine gets its calls');

my $tmp = PostgreSQL::Test::Utils::tempdir('sweep');

# how long each call of the last sweep took
my %ms;

# run the calls as a role, in one psql after another: a call that crashes the server
# ends its psql, and the next psql goes on after it once the server is back
sub sweep
{
	my ($role) = @_;
	my (%outcome, @crashed);
	%ms = ();
	my $next = 0;
	while ($next < @calls)
	{
		my $script = "\\o /dev/null\n\\timing on\nSET statement_timeout = '30s';\nSET client_min_messages = warning;\n";
		for my $v (0 .. $#variables)
		{
			(my $quoted = $variables[$v]) =~ s/(['\\])/$1$1/g;
			$quoted =~ s/\n/\\n/g;
			$script .= "\\set s$v '$quoted'\n";
		}
		for my $i ($next .. $#calls)
		{
			$script .= "\\echo \@\@begin $i\n$calls[$i]{sql};\n\\echo \@\@end $i :SQLSTATE :LAST_ERROR_MESSAGE\n";
		}
		my $file = "$tmp/sweep.sql";
		open(my $fh, '>', $file) or die "$file: $!";
		print $fh $script;
		close $fh;
		my ($out, $err) = ('', '');
		IPC::Run::run(
			[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=0', '-d', $node->connstr('postgres') . " user=$role", '-f', $file ],
			'<', \undef, '>', \$out, '2>', \$err, IPC::Run::timeout(900));
		my $current;
		foreach my $line (split /\n/, $out)
		{
			$current = $1 if $line =~ /^\@\@begin (\d+)$/;
			$ms{$current} = $1 if defined $current && $line =~ /^Time: ([0-9.]+) ms/;
			if ($line =~ /^\@\@end (\d+) (\S+) ?(.*)$/)
			{
				$outcome{$1} = { sqlstate => $2, message => $2 eq '00000' ? '' : $3 };
				$next = $1 + 1;
			}
		}
		last if $next >= @calls;
		# the call after the last one that ended took its psql with it
		push @crashed, $next;
		$outcome{$next} = { sqlstate => 'crash', message => (split /\n/, $err)[-1] // '' };
		$next++;
		$node->poll_query_until('postgres', 'SELECT true') or die 'the server did not come back';
	}
	return (\%outcome, \@crashed);
}

# internal errors a routine may give: functions that only an aggregate may call, and
# the type receive functions, which only the binary input of a type calls
my $can_happen = qr/called in non-aggregate context|must be called from an aggregate|aggregate function called in non-aggregate context/;

foreach my $role ('postgres', 'regress_nulls')
{
	my $t0 = time();
	my ($outcome, $crashed) = sweep($role);
	my (@internal, @timeouts, %states);
	for my $i (0 .. $#calls)
	{
		my $o = $outcome->{$i};
		my $where = "$calls[$i]{routine}{schema}.$calls[$i]{routine}{name} ($calls[$i]{what}): $calls[$i]{sql}";
		$states{ $o->{sqlstate} }++;
		push @timeouts, $where if $o->{sqlstate} eq '57014';
		push @internal, "$where: $o->{message}" if $o->{sqlstate} eq 'XX000' && $o->{message} !~ $can_happen;
	}
	# every outcome, for whoever reads the logs
	my $report = "$PostgreSQL::Test::Utils::log_path/020_null_arguments_$role.txt";
	open(my $fh, '>', $report) or die "$report: $!";
	printf $fh "%s %s.%s (%s): %s: %s\n", $outcome->{$_}{sqlstate}, $calls[$_]{routine}{schema}, $calls[$_]{routine}{name}, $calls[$_]{what},
	  $calls[$_]{sql}, $outcome->{$_}{message}
	  for 0 .. $#calls;
	close $fh;
	is(scalar(@$crashed), 0, "as $role: no call crashes the server")
	  or diag join("\n", map { "crash: $calls[$_]{routine}{schema}.$calls[$_]{routine}{name} ($calls[$_]{what}): $calls[$_]{sql}" } @$crashed);
	is(scalar(@timeouts), 0, "as $role: no call runs into statement_timeout") or diag join("\n", @timeouts);
	is(scalar(@internal), 0, "as $role: no call ends in an internal error") or diag join("\n", @internal);
	my @slow = (sort { $ms{$b} <=> $ms{$a} } keys %ms)[0 .. 9];
	note sprintf("slow: %.0f ms %s", $ms{$_}, $calls[$_]{sql}) foreach grep { defined } @slow;
	note sprintf('as %s: %d calls in %.0f s; outcomes: %s', $role, scalar(@calls), time() - $t0,
		join(', ', map { "$_ $states{$_}" } sort keys %states));
}

# the server never restarted its backends
my @crash_lines = grep { /terminated by signal|was terminated by exception|all server processes terminated; reinitializing/ }
  split /\n/, slurp_file($node->logfile);
is(scalar(@crash_lines), 0, 'the server log shows no crash') or diag join("\n", @crash_lines);
ok(index(slurp_file($node->logfile), $mock->{key}) < 0, 'the API key is not in the server log');

$node->stop;
stop_mock($mock);
done_testing();
