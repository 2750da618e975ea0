package wizard

// The program's wording of numbers and sentences, for the screens and
// commands, which must write them as the messages from this package do.

import "github.com/ctopendata/socrata-wizard/wizard/internal/wording"

// Size writes a number of bytes as every message of this program does:
// "871 bytes", "4 MB", "14.7 MB".
func Size(n int64) string { return wording.Size(n) }

// Plural picks the word for n things, as every message of this program
// does: "1 row", "2 rows".
func Plural[N ~int | ~int64](n N, one, many string) string { return wording.Plural(n, one, many) }

// Sentence makes s a sentence: a capital first letter, unless it starts
// with an address or a name that must keep its case (data.ct.gov, a
// field_name), and a full stop. Messages from this package are written
// without them, to be put in the middle of a sentence or made one.
func Sentence(s string) string { return wording.Sentence(s) }

// Count writes n with thousands separators, as every message of this
// program does: 12,345.
func Count(n int64) string { return wording.Count(n) }
