
# Every loop of the analytics and the research code (src/analytics/,
# src/features/) can be cancelled: its body calls CHECK_FOR_INTERRUPTS(), or
# its condition compares with constants only (the columns of a result, the
# families of a table, three sessions), so that it runs a bounded number of
# times whatever the data and the configuration.  A loop bounded otherwise,
# and where a check would be wrong, says why in a comment starting with
# "bounded:" on its line or the line before.
#
# This reads the C sources, as a compiler would see the loops: comments and
# strings are blanked first, then each for, while and do loop is found with
# its condition and its body (a block or a single statement).

use strict;
use warnings;

use File::Basename qw(dirname);
use File::Spec;
use Test::More;

my $root = File::Spec->rel2abs(dirname(__FILE__) . '/../..');
my @files = sort map { glob("$root/src/$_/*.c") } qw(analytics features);
ok(@files >= 10, sprintf('the sources are there (%d files)', scalar @files));

# the text with comments, string and character literals blanked (newlines kept)
sub blank
{
	my ($text) = @_;
	$text =~ s{(/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')}{
		(my $x = $1) =~ s/[^\n]/ /g; $x }gse;
	return $text;
}

# the position just after the bracket matching the one at $pos
sub matching
{
	my ($text, $pos) = @_;
	my ($open, $close) = substr($text, $pos, 1) eq '(' ? ('(', ')') : ('{', '}');
	my $depth = 0;
	for (my $i = $pos; $i < length $text; $i++)
	{
		my $c = substr($text, $i, 1);
		$depth++ if $c eq $open;
		$depth-- if $c eq $close;
		return $i + 1 if $depth == 0;
	}
	die "unbalanced $open at $pos";
}

sub skip_space
{
	my ($text, $pos) = @_;
	$pos++ while $pos < length $text && substr($text, $pos, 1) =~ /\s/;
	return $pos;
}

# the end of the statement starting at $pos (a block, a compound statement, or up to its ;)
sub statement_end
{
	my ($text, $pos) = @_;
	$pos = skip_space($text, $pos);
	return matching($text, $pos) if substr($text, $pos, 1) eq '{';
	if (substr($text, $pos) =~ /^(if|for|while|switch)\b/)
	{
		my $end = statement_end($text, matching($text, index($text, '(', $pos)));
		if ($1 eq 'if')
		{
			my $next = skip_space($text, $end);
			$end = statement_end($text, $next + 4) if substr($text, $next, 5) =~ /^else\b/;
		}
		return $end;
	}
	if (substr($text, $pos) =~ /^do\b/)
	{
		my $end = statement_end($text, $pos + 2);
		$end = matching($text, index($text, '(', $end));
		return index($text, ';', $end) + 1;
	}
	my $depth = 0;
	for (my $i = $pos; $i < length $text; $i++)
	{
		my $c = substr($text, $i, 1);
		$depth++ if $c eq '(' || $c eq '{';
		$depth-- if $c eq ')' || $c eq '}';
		return $i + 1 if $c eq ';' && $depth == 0;
	}
	die "no end of the statement at $pos";
}

# true when a condition compares the loop's own variables with constants only
sub constant_bound
{
	my ($cond, $init, $step) = @_;
	return 0 if $cond !~ /\S/;    # for (;;)
	my %own;
	$own{$_} = 1 for ("$init $step" =~ /\b([a-z_]\w*)\b/gi);
	delete @own{qw(int int64 size_t char)};
	# the variables start at constants too: for (k = i; k >= 0; k--) runs i times
	(my $start = $init) =~ s/\b([a-z_]\w*)\s*=(?!=)/ /gi;
	for my $id ("$cond $start" =~ s{\b(?:lengthof|sizeof)\s*\([^()]*\)}{ }gr =~ /\b([A-Za-z_]\w*)\b/g)
	{
		next if $id =~ /^[A-Z][A-Z0-9_]*$/;                    # a macro or an enum constant
		next if $id =~ /^(?:u?int(?:8|16|32|64)?|size_t|double|long|unsigned)$/;    # a cast
		next if $own{$id} && $step =~ /\b\Q$id\E\b/;          # the variable the loop steps
		return 0;
	}
	return 1;
}

# the loop's line and the comment lines just above it
sub comment_before
{
	my ($lines, $line) = @_;
	my $first = $line;
	$first-- while $first > 0 && $lines->[ $first - 1 ] =~ m{^\s*(?:/\*|\*)};
	return join("\n", @{$lines}[ $first .. $line ]);
}

my @unchecked;
my $loops = 0;
for my $file (@files)
{
	open(my $fh, '<', $file) or die "$file: $!";
	my $source = do { local $/; <$fh> };
	close $fh;
	my @lines = split /\n/, $source, -1;
	my $text = blank($source);
	(my $name = $file) =~ s{^\Q$root\E/}{};
	my %do_while;    # positions of the while of a do loop

	while ($text =~ /\b(for|while|do)\b/g)
	{
		my ($kw, $at) = ($1, $-[0]);
		next if $do_while{$at};
		my ($cond, $init, $step, $body_from, $body_to) = ('', '', '', 0, 0);
		if ($kw eq 'do')
		{
			$body_from = skip_space($text, $at + 2);
			$body_to = statement_end($text, $body_from);
			my $w = index($text, 'while', $body_to);
			$do_while{$w} = 1;
			my $open = index($text, '(', $w);
			$cond = substr($text, $open + 1, matching($text, $open) - $open - 2);
			next if $cond =~ /^\s*0\s*$/;    # do { ... } while (0): a macro, no loop
		}
		else
		{
			my $open = skip_space($text, $at + length $kw);
			next if substr($text, $open, 1) ne '(';
			my $close = matching($text, $open);
			my $header = substr($text, $open + 1, $close - $open - 2);
			if ($kw eq 'for')
			{
				($init, $cond, $step) = split /;/, $header, 3;
				$step //= '';
			}
			else
			{
				$cond = $header;
			}
			$body_from = $close;
			$body_to = statement_end($text, $close);
		}
		$loops++;
		my $body = substr($text, $body_from, $body_to - $body_from);
		my $line = substr($text, 0, $at) =~ tr/\n//;    # 0-based
		next if $body =~ /\bCHECK_FOR_INTERRUPTS\s*\(/;
		next if constant_bound($cond // '', $init // '', $step);
		next if comment_before(\@lines, $line) =~ m{/\*[\s*]*bounded:};
		(my $shown = $lines[$line]) =~ s/^\s+//;
		push @unchecked, sprintf('%s:%d: %s', $name, $line + 1, $shown);
	}
}

cmp_ok($loops, '>', 100, "the loops are found ($loops)");
is(scalar @unchecked, 0,
	'every loop whose bound is not a constant checks for interrupts or says why it is bounded')
  or diag(join("\n", 'loops without CHECK_FOR_INTERRUPTS():', @unchecked));

done_testing();
