
# Tick blocks against damage, and through COPY.
#
# Fuzz: real blocks of every coding (compressed and not, trades and quotes,
# dictionaries, exceptions, odd arrays, text ids) are cut short, have bits
# flipped, bytes replaced, deleted, inserted or repeated (a different
# deterministic corruption each time).  Most get their CRC recomputed, so the
# damage reaches the decoders behind it.  Each block is then read whole
# (every row, every column through its text form, block_info,
# block_columns): it either reads or fails with a clean error of its own
# SQLSTATE; no backend crashes, no internal error, memory does not grow.
# COPY: blocks go out and back in, in text and binary, unchanged.

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use TapeTest;

my $node = new_node('blocks');
my $rounds = 300;

# CRC-32C (Castagnoli), as PostgreSQL computes it
my @crc_table;
for my $i (0 .. 255)
{
	my $c = $i;
	$c = ($c & 1) ? (($c >> 1) ^ 0x82F63B78) : ($c >> 1) for 1 .. 8;
	$crc_table[$i] = $c;
}

sub crc32c
{
	my ($data) = @_;
	my $crc = 0xFFFFFFFF;
	$crc = $crc_table[($crc ^ $_) & 0xFF] ^ ($crc >> 8) for unpack('C*', $data);
	return $crc ^ 0xFFFFFFFF;
}

# the block's CRC set for its bytes (header bytes 44..47 cover 0..43 and 48..)
sub reseal
{
	my ($b) = @_;
	return $b if length($b) < 48;
	my $crc = crc32c(substr($b, 0, 44) . substr($b, 48));
	substr($b, 44, 4) = pack('V', $crc);
	return $b;
}

# rows of every kind the codec has a coding for
$node->safe_psql(
	'postgres', q{
CREATE TABLE trades AS
SELECT 'FUZZ'::text AS ticker, 'epoch'::timestamptz + (sip / 1000) * interval '1 microsecond' AS ts,
       sip AS sip_timestamp,
       CASE WHEN i % 13 <> 0 THEN sip - 5000 - (i * 7919) % 60000 END AS participant_timestamp,
       CASE WHEN i % 3 = 0 THEN sip - 100000 - i END AS trf_timestamp,
       CASE WHEN i % 101 = 0 THEN 1 / 3.0 WHEN i % 97 = 0 THEN NULL
            ELSE round((7.5 + sin(i / 40.0))::numeric, 2 + (i % 50 = 1)::int * 2)::float8 END AS price,
       CASE WHEN i % 10 = 3 THEN (i % 100) / 8.0 ELSE 100 * (1 + i % 5) END::float8 AS size,
       (ARRAY[4, 11, 12, 15, 19, 21])[1 + i % 6] AS exchange,
       CASE WHEN i % 6 = 0 THEN 201 + i % 3 END AS trf_id, 3 AS tape,
       CASE i % 5 WHEN 1 THEN '{37}'::int[] WHEN 2 THEN '{12,37}' WHEN 3 THEN '[0:1]={14,NULL}' END AS conditions,
       CASE WHEN i % 400 = 7 THEN 1 END AS correction,
       (52983525000000 + i * 3)::text AS id, 1000 + 2 * i::bigint AS sequence_number
  FROM generate_series(1, 1500) i, LATERAL (SELECT 1772000000000000001 + i * 1234567::bigint AS sip) v;
CREATE TABLE quotes AS
SELECT 'FUZZ'::text AS ticker, ts, sip_timestamp, participant_timestamp, NULL::bigint AS trf_timestamp,
       price - 0.01 AS bid_price, size AS bid_size, exchange AS bid_exchange, price + 0.01 AS ask_price,
       size * 2 AS ask_size, 12 AS ask_exchange, conditions, CASE WHEN exchange = 4 THEN '{604}'::int[] END AS indicators,
       sequence_number, tape
  FROM trades;
CREATE TABLE bases (name text, kind text, block tape.tick_block);
INSERT INTO bases SELECT 'trades', 'trades', tape.pack_trades(t ORDER BY t.sip_timestamp) FROM trades t;
INSERT INTO bases SELECT 'quotes', 'quotes', tape.pack_quotes(q ORDER BY q.sip_timestamp) FROM quotes q;
INSERT INTO bases SELECT 'text ids', 'trades', tape.pack_trades(t ORDER BY t.sip_timestamp)
  FROM (SELECT ticker, ts, sip_timestamp, participant_timestamp, trf_timestamp, price, size, exchange, trf_id, tape,
               conditions, correction, 'T' || (i % 7) AS id, sequence_number
          FROM trades, LATERAL (SELECT sequence_number / 2 AS i) v LIMIT 200) t;
INSERT INTO bases SELECT 'plain text ids', 'trades', tape.pack_trades(t ORDER BY t.sip_timestamp)
  FROM (SELECT ticker, ts, sip_timestamp, participant_timestamp, trf_timestamp, price, size, exchange, trf_id, tape,
               conditions, correction, md5(id) AS id, sequence_number FROM trades LIMIT 100) t;
SET tape.block_compression_level = 0;
INSERT INTO bases SELECT 'trades raw', 'trades', tape.pack_trades(t ORDER BY t.sip_timestamp) FROM trades t;
INSERT INTO bases SELECT 'quotes raw', 'quotes', tape.pack_quotes(q ORDER BY q.sip_timestamp) FROM quotes q;
INSERT INTO bases SELECT 'edges raw', 'trades', tape.pack_trades(t ORDER BY t.sip_timestamp)
  FROM (VALUES ('EDGE', '2020-01-01'::timestamptz, 1::bigint, 9223372036854775807::bigint, NULL::bigint,
                'NaN'::float8, '-0'::float8, -2147483648, NULL::int, 0, '{{1,2},{3,4}}'::int[], 0, '007', 1::bigint),
               ('EDGE', NULL, 2, 0, 3, 'Infinity', '5e-324', 1, 2, NULL, '{}', NULL, '', 2),
               ('EDGE', '2020-01-02', 3, 1, NULL, 1, 1, 4, NULL, 3, ARRAY(SELECT generate_series(1, 40)), NULL,
                repeat('long id ', 25), 3)) t(ticker, ts, sip_timestamp,
               participant_timestamp, trf_timestamp, price, size, exchange, trf_id, tape, conditions, correction, id,
               sequence_number);
CREATE TABLE fuzz (id int, base text, kind text, resealed boolean, changed boolean, bytes bytea);
CREATE TABLE fuzz_result (id int, sqlstate text, message text, detail text);
});

my @bases = map { [ split /\|/ ] } split /\n/,
  $node->safe_psql('postgres', "SELECT name, kind, encode(block::bytea, 'hex') FROM bases ORDER BY name");
is(scalar(@bases), 7, 'seven blocks to damage');

# a corrupted copy of a block: the k-th corruption of seed s
srand(20261130);
sub corrupt
{
	my ($b) = @_;
	my $len = length($b);
	my $kind = int(rand(6));
	my $at = int(rand($len));
	if ($kind == 0) { return substr($b, 0, $at) }    # cut short
	if ($kind == 1)
	{
		substr($b, $at, 1) = chr(ord(substr($b, $at, 1)) ^ (1 << int(rand(8))));    # a bit flipped
		return $b;
	}
	if ($kind == 2)
	{
		substr($b, $at, 1) = chr(int(rand(256))) for 1 .. 1 + int(rand(4));    # bytes replaced
		return $b;
	}
	if ($kind == 3) { substr($b, $at, 1 + int(rand(16))) = ''; return $b }    # bytes deleted
	if ($kind == 4) { substr($b, $at, 0) = join('', map { chr(int(rand(256))) } 1 .. 1 + int(rand(8))); return $b }
	substr($b, $at, 0) = substr($b, $at, 1 + int(rand(32)));    # bytes repeated
	return $b;
}

my $dir = PostgreSQL::Test::Utils::tempdir('fuzz');
open(my $fh, '>', "$dir/fuzz.tsv") or die "fuzz.tsv: $!";
my $id = 0;
for my $base (@bases)
{
	my ($name, $kind, $hex) = @$base;
	my $orig = pack('H*', $hex);
	for my $r (1 .. $rounds)
	{
		my $bad = corrupt($orig);
		# two in three keep a valid CRC, so the damage reaches the decoders
		my $resealed = $r % 3 != 0 ? 1 : 0;
		$bad = reseal($bad) if $resealed;
		my $changed = $bad ne $orig ? 1 : 0;
		printf $fh "%d\t%s\t%s\t%s\t%s\t\\\\x%s\n", ++$id, $name, $kind, $resealed ? 't' : 'f',
		  $changed ? 't' : 'f', unpack('H*', $bad);
	}
}
close($fh);
$node->safe_psql('postgres', "COPY fuzz FROM '$dir/fuzz.tsv'");

# read_loop(table, trades, quotes): a DO block reading every block of a table (id, kind, bytes) with
# tape.block_info, then the statements for its kind (on f.bytes), and writing how it went (the
# SQLSTATE, message and detail of an error) into table_result
sub read_loop
{
	my ($table, $trades, $quotes) = @_;
	return qq{
DO \$\$
DECLARE
  f record;
  d text;
BEGIN
  FOR f IN SELECT * FROM $table ORDER BY id LOOP
    BEGIN
      PERFORM count(*) FROM tape.block_info(f.bytes::tape.tick_block);
      IF f.kind = 'trades' THEN
        $trades
      ELSE
        $quotes
      END IF;
      INSERT INTO ${table}_result VALUES (f.id, '00000', NULL, NULL);
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
      INSERT INTO ${table}_result VALUES (f.id, SQLSTATE, SQLERRM, d);
    END;
  END LOOP;
END
\$\$;};
}

# read every damaged block whole, the way a user would
my $columns = 'PERFORM count(md5(c::text)) FROM tape.block_columns(f.bytes::tape.tick_block) c;';
my $read = read_loop(
	'fuzz',
	"$columns PERFORM count(md5(r::text)) FROM tape.trades_of(f.bytes::tape.tick_block) r;",
	"$columns PERFORM count(md5(r::text)) FROM tape.quotes_of(f.bytes::tape.tick_block) r;");
$node->safe_psql('postgres', $read);

my $total = scalar(@bases) * $rounds;
is($node->safe_psql('postgres', 'SELECT count(*) FROM fuzz_result'),
	$total, "every one of the $total damaged blocks was read or refused");
note('outcomes by SQLSTATE: '
	  . $node->safe_psql('postgres',
		"SELECT string_agg(sqlstate || ':' || n, ' ' ORDER BY sqlstate) FROM (SELECT sqlstate, count(*) n FROM fuzz_result GROUP BY 1) s"
	  ));
is( $node->safe_psql(
		'postgres',
		"SELECT count(*) FROM fuzz_result WHERE sqlstate NOT IN ('00000', 'XX001', '0A000', '42809')"),
	'0',
	'every refusal is a corrupted block (XX001), a newer format (0A000) or a block of the other kind (42809)'
  )
  or diag($node->safe_psql('postgres',
		"SELECT DISTINCT sqlstate || ' ' || message FROM fuzz_result WHERE sqlstate NOT IN ('00000', 'XX001', '0A000', '42809') LIMIT 10"
  ));
is( $node->safe_psql(
		'postgres', q{SELECT count(*) FROM fuzz f JOIN fuzz_result r USING (id)
                       WHERE f.changed AND NOT f.resealed AND r.sqlstate NOT IN ('XX001', '0A000')}),
	'0',
	'a damaged block whose CRC was not recomputed is always refused');
cmp_ok(
	$node->safe_psql(
		'postgres', q{SELECT count(*) FROM fuzz f JOIN fuzz_result r USING (id)
                       WHERE f.resealed AND f.changed AND r.sqlstate = 'XX001'
                         AND r.message = 'tick block is corrupted'}),
	'>', $total / 3,
	'damage behind a valid CRC is found by the decoders');
note('what the decoders found behind a valid CRC: '
	  . $node->safe_psql('postgres',
		q{SELECT count(DISTINCT regexp_replace(detail, '[0-9]+', 'N', 'g')) || ' kinds of damage, e.g. '
		         || array_to_string((array_agg(DISTINCT detail))[1:4], ' | ')
		    FROM fuzz f JOIN fuzz_result r USING (id) WHERE f.resealed AND r.sqlstate = 'XX001'}));
note('damaged blocks with a valid CRC that still read: '
	  . $node->safe_psql('postgres',
		q{SELECT count(*) FROM fuzz f JOIN fuzz_result r USING (id) WHERE f.resealed AND f.changed AND r.sqlstate = '00000'}));
is($node->safe_psql('postgres', "SELECT count(*) FROM fuzz_result r JOIN fuzz f USING (id) WHERE NOT f.changed AND r.sqlstate <> '00000'"),
	'0', 'an undamaged copy reads');

# the same session reads 1,000 more damaged blocks without growing
my $rss = q{SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmRSS:\s+(\d+)'))[1]::bigint};
my $loop = sub {
	my ($n) = @_;
	return qq{
DO \$\$
DECLARE
  f record;
BEGIN
  FOR f IN SELECT * FROM fuzz WHERE resealed AND kind = 'trades' ORDER BY id LIMIT $n LOOP
    BEGIN
      PERFORM count(md5(r::text)) FROM tape.trades_of(f.bytes::tape.tick_block) r;
    EXCEPTION WHEN OTHERS THEN NULL;
    END;
  END LOOP;
END
\$\$;};
};
my $out = $node->safe_psql('postgres', $loop->(200) . "\n$rss;\n" . $loop->(1000) . "\n$rss;");
my ($before, $after) = split /\n/, $out;
cmp_ok($after - $before, '<', 4096, "resident memory grew by " . ($after - $before) . " kB over 1,000 damaged blocks");

# Inflated counts: headers claiming more rows (source_rows too) or a larger payload than the block
# holds, of every base block, and forged blocks whose few bytes would describe many rows or bytes
# (issue 15): every column a constant for 8,000,000 rows; zstd frames of zeros claiming up to 1 GB;
# a dictionary array of 20,000 elements given to 20,000 rows; an array of 2^24 NULL elements.  Each
# is read by every reader (block_info, trades_of or quotes_of, window_qa, window_features) in one
# session with temp_file_limit at 16 MB: every one is refused with XX001 or read, and the session's
# peak memory stays within what the bytes given justify.
sub forged
{
	my ($rows, $payload, $compression, $raw) = @_;
	my $b = 'TAPB' . pack('CCCC', 1, 1, $compression // 0, 1) . pack('VVV', $rows, $rows, 0)
	  . pack('Q<Q<', 1, 1) . pack('V', $raw // length($payload)) . pack('C', 1) . "\0\0\0" . "\0\0\0\0"
	  . 'X' . $payload;
	return reseal($b);
}
# a zstd frame of $blocks blocks of 128 kB of zeros, each in 4 bytes (RLE)
sub zero_frame
{
	my ($blocks) = @_;
	my $f = pack('V', 0xFD2FB528) . pack('C', 0xA0) . pack('V', $blocks * 131072);
	$f .= substr(pack('V', (131072 << 3) | 2 | ($_ == $blocks ? 1 : 0)), 0, 3) . "\0" for 1 .. $blocks;
	return $f;
}
sub uvarint
{
	my ($u) = @_;
	my $out = '';
	while ($u >= 0x80) { $out .= chr(($u & 0x7F) | 0x80); $u >>= 7 }
	return $out . chr($u);
}
# trades columns after the ticker: ts = sip_timestamp's, sip_timestamp 1, then 11 sections
my $constant_head = pack('H*', '0102030001020002');
my $all_null = pack('H*', '0000');
my $big = uvarint(20000);
my $shared_entry = pack('C', 1) . pack('C', 0) . $big . ("\x02" x 20000) . pack('H*', '01020000');
my $null_entry = pack('C', 1) . pack('H*', '0101') . uvarint(1 << 24) . "\x02\x01" . ("\0" x (1 << 21))
  . pack('H*', '01020000');
my @inflated = (
	[ 'constant columns, 8,000,000 rows', 'trades', forged(8_000_000, $constant_head . $all_null x 11) ],
	[ 'constant columns, 30 rows', 'trades', forged(30, $constant_head . $all_null x 11) ],
	[ 'zstd: 1 MB of zeros', 'trades', forged(1, zero_frame(8), 1, 8 * 131072) ],
	[ 'zstd: 1 GB of zeros', 'trades', forged(1, zero_frame(8191), 1, 8191 * 131072) ],
	[
		'one array of 20,000 elements for 20,000 rows', 'trades',
		forged(20000, $constant_head . $all_null x 7 . "\x09" . uvarint(length($shared_entry)) . $shared_entry
			  . $all_null x 3)
	],
	[
		'an array of 2^24 NULL elements', 'trades',
		forged(1, $constant_head . $all_null x 7 . "\x09" . uvarint(length($null_entry)) . $null_entry . $all_null x 3)
	]);
for my $base (@bases)
{
	my ($name, $kind, $hex) = @$base;
	my $b = pack('H*', $hex);
	my ($rows, $raw) = (unpack('V', substr($b, 8, 4)), unpack('V', substr($b, 36, 4)));
	for my $claim ($rows + 1, 2 * $rows, 64 * $rows, 1 << 20, 8_000_000, 1 << 26)
	{
		my $x = $b;
		substr($x, 8, 8) = pack('VV', $claim, $claim);
		push @inflated, [ "$name, $claim rows", $kind, reseal($x) ];
	}
	for my $claim ($raw + 1, 2 * $raw, 64 * $raw + 64, 0x3FFFFFF0)
	{
		my $x = $b;
		substr($x, 36, 4) = pack('V', $claim);
		push @inflated, [ "$name, a payload of $claim bytes", $kind, reseal($x) ];
	}
}
open($fh, '>', "$dir/inflated.tsv") or die "inflated.tsv: $!";
printf $fh "%d\t%s\t%s\t\\\\x%s\n", $_ + 1, $inflated[$_][0], $inflated[$_][1], unpack('H*', $inflated[$_][2])
  for 0 .. $#inflated;
close($fh);
$node->safe_psql(
	'postgres', qq{
CREATE TABLE inflated (id int, name text, kind text, bytes bytea);
CREATE TABLE inflated_result (id int, sqlstate text, message text, detail text);
COPY inflated FROM '$dir/inflated.tsv';
});
my $hwm = q{SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmHWM:\s+(\d+)'))[1]::bigint};
$out = $node->safe_psql(
	'postgres', qq{
SET temp_file_limit = '16MB';
SELECT count(*) FROM tape.trades_of((SELECT block FROM bases WHERE name = 'trades'));
$hwm;
}
	  . read_loop(
		'inflated',
		q{PERFORM sum(pg_column_size(r.*)) FROM tape.trades_of(f.bytes::tape.tick_block) r;
        PERFORM tape.window_qa(f.bytes::tape.tick_block, NULL, '1970-01-01', '2100-01-01');
        PERFORM tape.window_features(f.bytes::tape.tick_block, NULL, '2026-02-25 12:00');},
		q{PERFORM sum(pg_column_size(r.*)) FROM tape.quotes_of(f.bytes::tape.tick_block) r;
        PERFORM tape.window_qa(NULL, f.bytes::tape.tick_block, '1970-01-01', '2100-01-01');
        PERFORM tape.window_features(NULL, f.bytes::tape.tick_block, '2026-02-25 12:00');})
	  . qq{
$hwm;});
my (undef, $hwm_before, $hwm_after) = split /\n/, $out;
my $ninflated = scalar(@inflated);
is($node->safe_psql('postgres', 'SELECT count(*) FROM inflated_result'), $ninflated,
	"each of the $ninflated inflated blocks was read or refused");
is( $node->safe_psql(
		'postgres', q{SELECT string_agg(i.name || ': ' || r.sqlstate || ' ' || coalesce(r.detail, ''), '; ')
                        FROM inflated i JOIN inflated_result r USING (id) WHERE r.sqlstate NOT IN ('00000', 'XX001')}),
	'', 'every inflated block is refused as corrupted (XX001) or read: no temporary file over 16 MB, no other error');
is( $node->safe_psql(
		'postgres', q{SELECT string_agg(i.name, '; ') FROM inflated i JOIN inflated_result r USING (id)
                       WHERE r.sqlstate <> 'XX001' AND i.name NOT IN ('constant columns, 30 rows',
                                                                       'an array of 2^24 NULL elements')}),
	'', 'every header claiming more rows or bytes than its block holds is refused, and every forged bomb');
note('what refused them: '
	  . $node->safe_psql('postgres',
		q{SELECT string_agg(DISTINCT regexp_replace(detail, '[0-9]+', 'N', 'g'), ' | ') FROM inflated_result WHERE sqlstate = 'XX001'}));
cmp_ok($hwm_after - $hwm_before, '<', 64 * 1024,
	"the session's peak memory grew by " . ($hwm_after - $hwm_before) . " kB reading the $ninflated inflated blocks");
is( $node->safe_psql(
		'postgres', q{SELECT r.sqlstate || ' ' || (SELECT count(*) FROM tape.trades_of(i.bytes::tape.tick_block))
                        FROM inflated i JOIN inflated_result r USING (id) WHERE i.name = 'constant columns, 30 rows'}),
	'00000 30', 'a block of constant columns whose payload backs its rows reads');

# a header announcing a huge payload is refused before anything that size is allocated
my $trades_raw = pack('H*', (grep { $_->[0] eq 'trades raw' } @bases)[0]->[2]);
my $huge = $trades_raw;
substr($huge, 36, 4) = pack('V', 0x3FFFFFF0);
substr($huge, 6, 1) = chr(1);    # claims zstd
$huge = reseal($huge);
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"SELECT count(*) FROM tape.trades_of('\\x" . unpack('H*', $huge) . "'::bytea::tape.tick_block)");
like($stderr, qr/tick block is corrupted.*DETAIL:  The header announces a payload of 1073741808 bytes, more than 64 times/s,
	'a block announcing a 1 GB payload is refused before anything that size is allocated');

# COPY out and back in, text and binary: the same blocks
$node->safe_psql(
	'postgres', qq{
CREATE TABLE copy_text (LIKE bases);
CREATE TABLE copy_binary (LIKE bases);
COPY bases TO '$dir/bases.txt';
COPY copy_text FROM '$dir/bases.txt';
COPY bases TO '$dir/bases.bin' (FORMAT binary);
COPY copy_binary FROM '$dir/bases.bin' (FORMAT binary);
});
is( $node->safe_psql(
		'postgres', q{SELECT count(*) FROM bases b JOIN copy_text t USING (name) JOIN copy_binary y USING (name)
                       WHERE b.block::bytea = t.block::bytea AND b.block::bytea = y.block::bytea}),
	'7', 'COPY in text and binary gives back the same blocks');

$node->stop;
done_testing();
