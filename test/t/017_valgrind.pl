
# tape's C code under valgrind's memcheck: no byte it builds is left unset, no
# read is out of bounds.
#
# The statements of test/valgrind/round_trips.sql (tick blocks packed and read
# back with every combination of NULLs and texts and arrays around the one-byte
# header's limit, spilled to disk, in text and binary; what the features read
# from blocks; polygon_fdw's JSON and flat-file decoders and its request cache;
# the detectors) run in a single-user backend under memcheck, with
# test/valgrind/fresh_palloc.c preloaded: it makes every palloc'd chunk
# undefined, as a server built with USE_VALGRIND does, so a padding byte a
# hand-built tuple leaves unset is reported where a reader uses it (the item 1
# crash of issue 15 is such a report).  An error counts against tape when
# tape.so is in the stack that made the unset bytes or, for other errors, in
# its own stack; the server's own reports (padding it writes to WAL, say) are
# shown, not counted.  The checks the statements record must all hold too.

use strict;
use warnings;

use IO::Compress::Gzip qw(gzip $GzipError);
use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;
use TapeTest;

my $valgrind = `command -v valgrind 2>/dev/null`;
chomp $valgrind;
ok($valgrind ne '', 'valgrind is installed (scripts/test.sh installs it)') or BAIL_OUT('valgrind is needed');

my $dir = PostgreSQL::Test::Utils::tempdir('valgrind');
chmod 0755, $dir;

# the wrappers, built against valgrind's headers
my $shim = "$dir/fresh_palloc.so";
my ($out, $err) = ('', '');
ok(IPC::Run::run([ 'cc', '-O1', '-g', '-shared', '-fPIC', '-o', $shim, 'test/valgrind/fresh_palloc.c' ],
		'>', \$out, '2>', \$err),
	'the palloc wrappers build')
  or diag($err);

my $mock = start_mock();
my $node = new_node('valgrind');
make_server($node, $mock, 'vg');
make_server($node, $mock, 'vgc', undef, "cache 'true'");

# a flat file of trades: ids of 100-159 bytes, condition lists of 0-40 codes
my $flat = "$dir/flat";
mkdir "$flat" or die;
my $csv = "ticker,conditions,correction,exchange,id,participant_timestamp,price,sequence_number,"
  . "sip_timestamp,size,tape,trf_id,trf_timestamp\n";
for my $i (1 .. 300)
{
	my $sip = 1759500000000000000 + $i * 1000003;
	my $conditions = join(',', map { $_ * 3 } 1 .. ($i % 41));
	$csv .= sprintf("FLAT,\"%s\",0,4,%s,%d,7.%02d,%d,%d,100,3,0,0\n",
		$conditions, 'f' x (100 + $i % 60), $sip - 5000, $i % 100, $i, $sip);
}
my $day = "$flat/us_stocks_sip/trades_v1/2025/10";
PostgreSQL::Test::Utils::system_or_bail('mkdir', '-p', $day);
gzip(\$csv => "$day/2025-10-03.csv.gz") or die "gzip: $GzipError";
PostgreSQL::Test::Utils::system_or_bail('chmod', '-R', 'a+rX', $flat);
$node->safe_psql(
	'postgres', qq{
CREATE SERVER flat FOREIGN DATA WRAPPER polygon_fdw OPTIONS (flatfiles_url 'file://$flat');
CREATE SCHEMA flat;
IMPORT FOREIGN SCHEMA polygon LIMIT TO (flat_trades) FROM SERVER flat INTO flat;
CREATE SCHEMA tbk;
CREATE TABLE tbk.checks (name text, ok boolean);
});
ok( IPC::Run::run(
		[
			'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('postgres'),
			'-f', 'test/regress/round_trip.sql'
		],
		'>', \$out, '2>', \$err),
	'the rows of the round trips are made')
  or diag($err);
$node->stop;

# the statements, one backend under memcheck
my $script = PostgreSQL::Test::Utils::slurp_file('test/valgrind/round_trips.sql');
$script =~ s/\@DIR\@/$dir/g;
my $xml = "$dir/memcheck.xml";
my ($stdout, $stderr) = ('', '');
my $started = time();
$ENV{LD_PRELOAD} = $shim;
my $exited = IPC::Run::run(
	[
		$valgrind, '--tool=memcheck', '--track-origins=yes', '--num-callers=24', '--leak-check=no', '--xml=yes',
		"--xml-file=$xml", 'postgres', '--single', '-j', '-c', 'jit=off', '-D', $node->data_dir, 'postgres'
	],
	'<', \$script, '>', \$stdout, '2>', \$stderr);
delete $ENV{LD_PRELOAD};
note('the backend ran ' . (time() - $started) . ' s under memcheck');
ok($exited, 'the backend ended normally') or diag("exit status $?");
my @failed = grep { /\b(ERROR|FATAL|PANIC):/ } split /\n/, $stdout . $stderr;
is(scalar(@failed), 0, 'every statement ran without an error') or diag(join("\n", @failed));

# memcheck's reports, those in tape's code apart
my $report = -e $xml ? PostgreSQL::Test::Utils::slurp_file($xml) : '';
like($report, qr{</valgrindoutput>}, 'memcheck wrote its report');
my (@tape, @server);
# "fn (file:line)" of each frame of a stack, with its object
sub frames
{
	my ($stack) = @_;
	return map {
		my ($obj) = m{<obj>(.*?)</obj>};
		my ($fn) = m{<fn>(.*?)</fn>};
		my ($file) = m{<file>(.*?)</file>};
		my ($line) = m{<line>(.*?)</line>};
		{ obj => $obj // '', text => ($fn // '?') . (defined $file ? " ($file:$line)" : '') }
	} ($stack =~ m{<frame>(.*?)</frame>}sg);
}
# the first eight frames, one a line
sub shown
{
	my @frames = @_;
	splice(@frames, 8) if @frames > 8;
	return join("\n    by ", map { $_->{text} } @frames);
}
foreach my $error ($report =~ m{<error>(.*?)</error>}sg)
{
	my ($kind) = $error =~ m{<kind>(.*?)</kind>};
	next if $kind =~ /^Leak_/;    # what a backend holds when it exits is not the question
	my ($what) = $error =~ m{<(?:what|text)>(.*?)</(?:what|text)>}s;
	my @stacks = $error =~ m{<stack>(.*?)</stack>}sg;
	my @use = frames($stacks[0]);
	my @origin = $error =~ m{<auxwhat>Uninitialised value was created} ? frames($stacks[-1]) : ();
	# tape's: it made the unset bytes, or its code is where the error is (below the C library)
	my @made = grep { $_->{obj} =~ m{/tape\.so$} } @origin;
	my ($at) = grep { $_->{obj} !~ m{vgpreload|/libc[.-]|/ld-linux} } @use;
	my $text = "$kind: $what\n    at " . shown(@use) . (@origin ? "\n    unset bytes made by " . shown(@origin) : '');
	if (@made || ($at && $at->{obj} =~ m{/tape\.so$})) { push @tape, $text } else { push @server, $text }
}
note(scalar(@server) . " reports of the server's own, not tape's:\n" . join("\n", @server)) if @server;
is(scalar(@tape), 0, 'memcheck found nothing in tape\'s code') or diag(join("\n", @tape));

$node->start;
my $nchecks = () = $script =~ /^INSERT INTO tbk\.checks/mg;
is($node->safe_psql('postgres', 'SELECT count(*) FROM tbk.checks'),
	$nchecks, "each of the $nchecks checks of the script recorded its result");
is($node->safe_psql('postgres', 'SELECT string_agg(name, \', \') FROM tbk.checks WHERE ok IS NOT TRUE'),
	'', 'every check holds under memcheck');

$node->stop;
stop_mock($mock);
done_testing();
