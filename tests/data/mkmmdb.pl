#!/usr/bin/perl
# mkmmdb.pl: writes a small MaxMind DB (MMDB) file for geo's tests.
#
#   perl mkmmdb.pl OUT.mmdb LAYOUT < spec
#
# LAYOUT says where the country code sits in each record, the two layouts
# geo.c must tell apart:
#   nested  { country => { iso_code => 'DE', ... } }, database_type
#           'GeoLite2-Country': the MaxMind GeoLite2 / DB-IP layout.  Every
#           record also carries registered_country (always 'AQ') and
#           continent, as GeoLite2 does, so a reader that picks the wrong
#           map is caught.
#   flat    { country_code => 'DE' }, database_type 'Test-Flat-Country':
#           the ip-location-db (npm @ip-location-db/*-mmdb) layout.
#
# Spec: one "CIDR CC" per line; blank lines and "#" comments are skipped.
# CC "-" writes a record without any country field (unknown).  CC is
# written as given (lower case, "ZZ" included) so tests can check how the
# reader treats them.  Later lines overwrite earlier ones where they
# overlap.
#
# The writer normally drops private and reserved networks silently; tests
# need the documentation ranges (RFC 5737 192.0.2.0/24, 198.51.100.0/24,
# 203.0.113.0/24; RFC 3849 2001:db8::/32) and even private ones (to check
# the reader's own refusal), so remove_reserved_networks is off.
# alias_ipv6_to_ipv4 is off too: ::ffff:a.b.c.d then finds nothing in the
# tree, so a test that finds an IPv4-mapped address proves the reader
# mapped it to IPv4 itself (the ip-location-db files have no alias either).
#
# Needs MaxMind::DB::Writer (Debian: libmaxmind-db-writer-perl).
use strict;
use warnings;

BEGIN {
	unless (eval { require MaxMind::DB::Writer::Tree; 1 }) {
		print STDERR "mkmmdb.pl: Perl module MaxMind::DB::Writer::Tree not found; "
		    . "install the Debian package libmaxmind-db-writer-perl\n";
		exit 2;
	}
}

die "usage: perl mkmmdb.pl OUT.mmdb nested|flat < spec\n"
    unless @ARGV == 2 && $ARGV[1] =~ /^(nested|flat)$/;
my ($out, $layout) = @ARGV;

my %types = (
	country            => 'map',
	registered_country => 'map',
	continent          => 'map',
	names              => 'map',
	iso_code           => 'utf8_string',
	code               => 'utf8_string',
	en                 => 'utf8_string',
	geoname_id         => 'uint32',
	country_code       => 'utf8_string',
	note               => 'utf8_string',
);

my $tree = MaxMind::DB::Writer::Tree->new(
	ip_version               => 6,
	record_size              => 24,
	database_type            => $layout eq 'nested' ? 'GeoLite2-Country'
	                                                : 'Test-Flat-Country',
	languages                => ['en'],
	description              => { en => "redirectd geo test data ($layout)" },
	map_key_type_callback    => sub {
		$types{ $_[0] } // die "mkmmdb.pl: no type for key $_[0]\n";
	},
	remove_reserved_networks => 0,
	alias_ipv6_to_ipv4       => 0,
);

sub record {
	my ($cc) = @_;
	if ($layout eq 'flat') {
		return { note => 'no country' } if $cc eq '-';
		return { country_code => $cc };
	}
	my %r = (
		continent => { code => 'EU', geoname_id => 6255148,
		               names => { en => 'Europe' } },
		registered_country => { iso_code => 'AQ', geoname_id => 6697173,
		                        names => { en => 'Antarctica' } },
	);
	$r{country} = { iso_code => $cc, geoname_id => 1,
	                names => { en => "Country $cc" } } unless $cc eq '-';
	return \%r;
}

my $n = 0;
while (my $line = <STDIN>) {
	$line =~ s/#.*//;
	next unless $line =~ /\S/;
	my @f = split ' ', $line;
	die "mkmmdb.pl: stdin line $.: want \"CIDR CC\"\n"
	    unless @f == 2 && $f[0] =~ m{/\d+$};
	my ($cidr, $cc) = @f;
	$tree->insert_network($cidr, record($cc));
	$n++;
}
die "mkmmdb.pl: no networks in the spec\n" unless $n;

# Written to a temporary name and renamed, so a failed run leaves no
# half-written OUT for the build to use.
open my $fh, '>:raw', "$out.tmp" or die "mkmmdb.pl: $out.tmp: $!\n";
$tree->write_tree($fh);
close $fh or die "mkmmdb.pl: $out.tmp: $!\n";
rename "$out.tmp", $out or die "mkmmdb.pl: rename to $out: $!\n";
