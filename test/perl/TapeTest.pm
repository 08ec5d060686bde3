
# TapeTest: helpers for tape's Perl TAP tests.
#
# Starts the Polygon mock server (test/mock/polygon_mock.py) beside a
# PostgreSQL::Test::Cluster, creates polygon_fdw servers on it, and reads
# the mock's request log so a test can assert exactly which requests were
# made and when.

package TapeTest;

use strict;
use warnings;

use Exporter 'import';
use IPC::Run;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Time::HiRes qw(time usleep);

our @EXPORT = qw(start_mock stop_mock mock_log new_node make_server make_server_db background_psql
  background_psql_db background_psql_as wait_for_requests session kill_backend start_live_mock
  live_mock_log wait_until);

my $API_KEY = $ENV{TAPE_API_KEY} || 'tap-test-key-not-secret-0001';
my ($S3_KEY_ID, $S3_SECRET) = ('tap-test-s3-key-id', 'tap-test-s3-secret-not-secret');

# every mock started, stopped when the test ends however it ends (a test that dies or
# forgets stop_mock leaves no server running); the test's exit status is kept (reaping
# the mock would set it to the mock's signal)
my @mocks;

END
{
	local $?;
	foreach my $h (@mocks)
	{
		eval { $h->kill_kill if $h->pumpable; };
	}
}

# start_mock: the mock server on a free port; returns a hash with url, log, key,
# the directory it serves as the S3 bucket "flatfiles" and the S3 keys
sub start_mock
{
	my $dir = PostgreSQL::Test::Utils::tempdir('mock');
	my $flatfiles = "$dir/flatfiles";
	mkdir $flatfiles or die "mkdir $flatfiles: $!";
	my $portfile = "$dir/port";
	my $log = "$dir/requests.log";
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[
			'python3', 'test/mock/polygon_mock.py',
			'--port', '0',
			'--port-file', $portfile,
			'--log', $log,
			'--api-key', $API_KEY,
			'--flatfiles', $flatfiles,
			'--s3-credentials', "$S3_KEY_ID:$S3_SECRET"
		],
		'>', \$out, '2>', \$err);
	push @mocks, $h;
	for (my $i = 0; $i < 100 && !-s $portfile; $i++)
	{
		usleep(100_000);
	}
	die "mock server did not start: $err" unless -s $portfile;
	my $port = PostgreSQL::Test::Utils::slurp_file($portfile);
	return {
		url => "http://127.0.0.1:$port",
		log => $log,
		key => $API_KEY,
		flatfiles => $flatfiles,
		s3_key_id => $S3_KEY_ID,
		s3_secret => $S3_SECRET,
		harness => $h
	};
}

# start_live_mock: the mock of the feed's WebSocket (test/mock/live_mock.py) on a free
# port, replaying a day with the given options (an array of its arguments); returns
# a hash with url (ws://...), log and harness
sub start_live_mock
{
	my (@args) = @_;
	my $dir = PostgreSQL::Test::Utils::tempdir('live');
	my $portfile = "$dir/port";
	my $log = "$dir/live.log";
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[
			'python3', 'test/mock/live_mock.py',
			'--port', '0',
			'--port-file', $portfile,
			'--log', $log,
			'--api-key', $API_KEY,
			@args
		],
		'>', \$out, '2>', \$err);
	push @mocks, $h;
	for (my $i = 0; $i < 100 && !-s $portfile; $i++)
	{
		usleep(100_000);
	}
	die "live mock did not start: $err" unless -s $portfile;
	my $port = PostgreSQL::Test::Utils::slurp_file($portfile);
	return { url => "ws://127.0.0.1:$port/stocks", log => $log, harness => $h };
}

# live_mock_log: the logged events of the live mock (hashes with event, t, ...), of one
# kind when given
sub live_mock_log
{
	my ($mock, $event) = @_;
	return () unless -e $mock->{log};
	my @entries;
	foreach my $line (split /\n/, PostgreSQL::Test::Utils::slurp_file($mock->{log}))
	{
		next if $line eq '';
		my $e = decode_json($line);
		push @entries, $e if !defined $event || $e->{event} eq $event;
	}
	return wantarray ? @entries : scalar(@entries);
}

# wait_until: poll a query until it returns 't' (or the timeout, in seconds, passes)
sub wait_until
{
	my ($node, $sql, $timeout) = @_;
	$timeout ||= 60;
	my $deadline = time() + $timeout;
	while (time() < $deadline)
	{
		my ($ret, $out) = $node->psql('postgres', $sql);
		return 1 if $ret == 0 && $out eq 't';
		usleep(100_000);
	}
	return 0;
}

sub stop_mock
{
	my ($mock) = @_;
	$mock->{harness}->kill_kill;
	return;
}

# mock_log: the logged requests of a tag, oldest first (hashes: t, path, status, auth)
sub mock_log
{
	my ($mock, $tag) = @_;
	return () unless -e $mock->{log};
	my @entries;
	foreach my $line (split /\n/, PostgreSQL::Test::Utils::slurp_file($mock->{log}))
	{
		next if $line eq '';
		my $e = decode_json($line);
		push @entries, $e if !defined $tag || $e->{tag} eq $tag;
	}
	my @sorted = sort { $a->{t} <=> $b->{t} } @entries;
	return wantarray ? @sorted : scalar(@sorted);
}

# wait_for_requests: wait until the mock has logged at least $n requests of a tag
sub wait_for_requests
{
	my ($mock, $tag, $n, $timeout) = @_;
	$timeout ||= 30;
	my $deadline = time() + $timeout;
	while (time() < $deadline)
	{
		return 1 if scalar(mock_log($mock, $tag)) >= $n;
		usleep(50_000);
	}
	return 0;
}

# new_node: an initialized, started cluster with tape installed; preload => 1 puts
# tape in shared_preload_libraries, cron => 1 pg_cron too (its jobs run in database
# postgres, connecting through the node's socket)
sub new_node
{
	my ($name, %opt) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf', "shared_preload_libraries = 'tape'")
	  if $opt{preload} && !$opt{cron};
	$node->append_conf('postgresql.conf',
		"shared_preload_libraries = 'tape,pg_cron'\ncron.database_name = 'postgres'\n"
		  . "cron.host = '" . $node->host . "'")
	  if $opt{cron};
	$node->append_conf('postgresql.conf', $opt{conf}) if $opt{conf};
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION tape');
	return $node;
}

# kill_backend: kill -9 a backend of a node, as a crash would (the server restarts its
# backends when restart_after_crash is on).  The pid is noted beside the node's log
# (<log>.killed): scripts/test.sh fails the suite for any other crash in a server log.
sub kill_backend
{
	my ($node, $pid) = @_;
	die "kill_backend: \"$pid\" is not a process id" unless $pid =~ /^[0-9]+$/;
	my $file = $node->logfile . ".killed";
	open(my $fh, ">>", $file) or die "$file: $!";
	print $fh "$pid\n";
	close $fh;
	kill 'KILL', $pid;
	return;
}

# make_server: a polygon_fdw server on the mock (with a fault spec), its key, and
# its tables imported into a schema of the same name, in database postgres
sub make_server
{
	my ($node, $mock, $name, $spec, $options) = @_;
	return make_server_db($node, 'postgres', $mock, $name, $spec, $options);
}

# make_server_db: the same in database $db
sub make_server_db
{
	my ($node, $db, $mock, $name, $spec, $options) = @_;
	my $url = $mock->{url} . (defined $spec ? "/_f/$spec" : '');
	my $opts = "base_url '$url'";
	$opts .= ", $options" if $options;
	$opts .= ", requests_per_minute '0'" unless $opts =~ /requests_per_minute/;
	# the tests count requests: the request cache is off unless asked for
	$opts .= ", cache 'false'" unless $opts =~ /\bcache\b/;
	# the key is set with statement logging off, as the docs advise
	$node->safe_psql(
		$db, qq{
SET log_statement = 'none';
CREATE SERVER $name FOREIGN DATA WRAPPER polygon_fdw OPTIONS ($opts);
CREATE USER MAPPING FOR CURRENT_USER SERVER $name OPTIONS (api_key '$mock->{key}');
CREATE SCHEMA $name;
IMPORT FOREIGN SCHEMA polygon FROM SERVER $name INTO $name;
});
	return;
}

# background_psql: run SQL statements (each its own -c, so one failing does not
# stop the next) in a psql of its own, without waiting; returns the harness and
# refs to its stdout and stderr.  Call ->finish to wait.
sub background_psql
{
	my ($node, @statements) = @_;
	return background_psql_db($node, 'postgres', @statements);
}

# background_psql_db: the same on database $db
sub background_psql_db
{
	my ($node, $db, @statements) = @_;
	return background_psql_connstr($node->connstr($db), @statements);
}

# background_psql_as: the same as role $user (database postgres)
sub background_psql_as
{
	my ($node, $user, @statements) = @_;
	return background_psql_connstr($node->connstr('postgres') . " user=$user", @statements);
}

sub background_psql_connstr
{
	my ($connstr, @statements) = @_;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[
			'psql', '-XAtq', '-v', 'ON_ERROR_STOP=0',
			'-d', $connstr,
			map { ('-c', $_) } @statements
		],
		'>', \$out, '2>', \$err);
	return ($h, \$out, \$err);
}

# session: a psql kept open as a role (default: the bootstrap superuser) on a database
# (default: postgres), for transactions and locks that span the work of other sessions.
# $s->query(SQL) runs SQL and returns what it printed (in list context, also its errors
# and notices) once it is done; $s->quit ends it.
sub session
{
	my ($node, $user, $db) = @_;
	my ($in, $out, $err) = ('', '', '');
	my $connstr = $node->connstr($db // 'postgres') . (defined $user ? " user=$user" : '');
	my $h = IPC::Run::start([ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=0', '-d', $connstr ],
		'<', \$in, '>', \$out, '2>', \$err);
	return bless { h => $h, in => \$in, out => \$out, err => \$err, n => 0 }, 'TapeTest::Session';
}

package TapeTest::Session;

use Time::HiRes qw(time usleep);

sub query
{
	my ($self, $sql) = @_;
	my $marker = '__tape_session_' . ++$self->{n} . '__';
	${ $self->{out} } = '';
	${ $self->{err} } = '';
	$sql =~ s/;?\s*$/;/;	# psql runs it before the \echo, not with the next statement
	${ $self->{in} } .= "$sql\n\\echo $marker\n";
	my $deadline = time() + 180;
	until (${ $self->{out} } =~ /\Q$marker\E\n/)
	{
		die "session: no answer to: $sql" if time() > $deadline;
		$self->{h}->pump_nb;
		usleep(10_000);
	}
	$self->{h}->pump_nb;
	(my $out = ${ $self->{out} }) =~ s/\Q$marker\E\n//;
	chomp $out;
	return wantarray ? ($out, ${ $self->{err} }) : $out;
}

sub quit
{
	my ($self) = @_;
	${ $self->{in} } .= "\\q\n";
	$self->{h}->finish;
	return;
}

1;
