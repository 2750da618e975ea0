package socrata

import (
	"fmt"
	"regexp"
)

// Domain is a portal's host name, such as "data.ct.gov", or for loopback
// test portals a host and port such as "127.0.0.1:8080".
type Domain string

// DatasetID is a Socrata asset identifier, the "4x4": two groups of four
// lower-case letters or digits joined by a hyphen, such as "abcd-1234".
type DatasetID string

var fourByFour = regexp.MustCompile(`^[a-z0-9]{4}-[a-z0-9]{4}$`)

// Valid reports whether id has the 4x4 form.
func (id DatasetID) Valid() bool { return fourByFour.MatchString(string(id)) }

// String returns the identifier as text.
func (id DatasetID) String() string { return string(id) }

// ParseDatasetID checks that s is a 4x4 identifier.
func ParseDatasetID(s string) (DatasetID, error) {
	id := DatasetID(s)
	if !id.Valid() {
		return "", fmt.Errorf("%q is not a dataset id: ids look like abcd-1234", s)
	}
	return id, nil
}
