package socrata

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Domain names a portal in a canonical form that is also enough to rebuild
// its base URL:
//
//   - a real portal is its lower-case host name, with the port only when it
//     is not 443: "data.ct.gov", "data.example.org:8443". Its base URL is
//     https://<domain>.
//   - a portal on this computer (127.0.0.0/8, ::1 or localhost) keeps its
//     scheme, since test portals usually serve plain http:
//     "http://127.0.0.1:8080", "http://[::1]:8080", "https://localhost:8443".
//
// So a Domain never starts with a scheme unless it is a loopback portal,
// and it never names plain http on a host other than loopback. Make one
// with [ParseDomain]; its zero value means "no domain".
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
		return "", fmt.Errorf("%q is not a dataset id: ids look like abcd-1234", clip(s))
	}
	return id, nil
}

// checkID refuses an id that is not a 4x4 before anything is sent, so that
// a typo is reported as such and not as a dataset the portal cannot find.
func checkID(id DatasetID) error {
	if _, err := ParseDatasetID(string(id)); err != nil {
		return fmt.Errorf("socrata: %w", err)
	}
	return nil
}

// String returns the domain as text.
func (d Domain) String() string { return string(d) }

// BaseURL is the portal's root URL without a trailing slash, such as
// "https://data.ct.gov" or "http://127.0.0.1:8080".
func (d Domain) BaseURL() string {
	if d == "" {
		return ""
	}
	if strings.HasPrefix(string(d), "http://") || strings.HasPrefix(string(d), "https://") {
		return string(d)
	}
	return "https://" + string(d)
}

// Host is the host and port without any scheme, such as "data.ct.gov" or
// "127.0.0.1:8080". It is what the catalog's domains= parameter takes.
func (d Domain) Host() string {
	s := string(d)
	s = strings.TrimPrefix(s, "http://")
	s = strings.TrimPrefix(s, "https://")
	return s
}

// Loopback reports whether the domain is a portal on this computer.
func (d Domain) Loopback() bool {
	u, err := url.Parse(d.BaseURL())
	if err != nil {
		return false
	}
	return isLoopback(u.Hostname())
}

// Errors that ParseDomain and ParseDatasetRef wrap, so that a caller can
// tell "not an address at all" from "an address we refuse".
var (
	// ErrBadDomain means the text is not a portal address.
	ErrBadDomain = errors.New("not a portal address")
	// ErrBadDatasetRef means the text is neither a dataset id nor the
	// address of a dataset.
	ErrBadDatasetRef = errors.New("not a dataset id or address")
)

// ParseDomain turns what a person types or pastes, such as "data.ct.gov",
// "https://DATA.CT.GOV/" or the address of any page on the portal, into a
// canonical [Domain]. Plain http is accepted only for loopback hosts (the
// error wraps [ErrInsecure]); a bare loopback host such as
// "127.0.0.1:8080" is taken to mean plain http. Any other text that is not
// a host gets an error wrapping [ErrBadDomain] that says what is wrong.
func ParseDomain(s string) (Domain, error) {
	d, _, err := parseAddress(s)
	return d, err
}

// ParseDatasetRef reads a dataset reference: a bare id ("abcd-1234"), or
// the address of a dataset in any of the forms the portal shows:
//
//	https://data.ct.gov/d/abcd-1234
//	https://data.ct.gov/resource/abcd-1234.json (or .csv, .geojson)
//	https://data.ct.gov/api/views/abcd-1234.json
//	https://data.ct.gov/Health/Some-Name/abcd-1234
//
// with or without a query string. The domain is "" for a bare id. Upper
// case is accepted, since ids are always lower case on the portal.
func ParseDatasetRef(s string) (Domain, DatasetID, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", "", fmt.Errorf("%w: enter a dataset id such as abcd-1234, or paste the dataset's address", ErrBadDatasetRef)
	}
	if id := DatasetID(strings.ToLower(t)); id.Valid() {
		return "", id, nil
	}
	if !strings.Contains(t, "/") {
		return "", "", fmt.Errorf("%w: %q is neither a dataset id (they look like abcd-1234) nor a dataset's address", ErrBadDatasetRef, clip(t))
	}
	d, u, err := parseAddress(t)
	if err != nil {
		return "", "", err
	}
	segs := strings.Split(u.Path, "/")
	for i := len(segs) - 1; i >= 0; i-- {
		seg := strings.ToLower(segs[i])
		if dot := strings.IndexByte(seg, '.'); dot >= 0 {
			seg = seg[:dot]
		}
		if id := DatasetID(seg); id.Valid() {
			return d, id, nil
		}
	}
	return "", "", fmt.Errorf("%w: the address %s has no dataset id in it; open the dataset on the portal and copy its address, or enter its id (such as abcd-1234)", ErrBadDatasetRef, clip(d.BaseURL()+u.Path))
}

// parseAddress does the work of ParseDomain and returns the parsed URL too,
// so that ParseDatasetRef can read its path.
func parseAddress(s string) (Domain, *url.URL, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", nil, fmt.Errorf("%w: enter the portal's address, such as data.ct.gov", ErrBadDomain)
	}
	if strings.IndexFunc(t, unicode.IsSpace) >= 0 {
		return "", nil, fmt.Errorf("%w: %q has spaces in it; a portal address looks like data.ct.gov", ErrBadDomain, clip(t))
	}
	scheme := ""
	rest := t
	if i := strings.Index(t, "://"); i >= 0 {
		scheme = strings.ToLower(t[:i])
		rest = t[i+3:]
		if scheme != "http" && scheme != "https" {
			return "", nil, fmt.Errorf("%w: %q starts with %s://; a portal address starts with https:// or has no scheme at all, like data.ct.gov", ErrBadDomain, clip(t), clip(scheme))
		}
	}
	authority := rest
	if i := strings.IndexAny(authority, "/?#"); i >= 0 {
		authority = authority[:i]
	}
	if strings.Contains(authority, "@") {
		if scheme == "" && !strings.Contains(authority, ":") {
			return "", nil, fmt.Errorf("%w: %q looks like an email address; enter the portal's address instead, such as data.ct.gov", ErrBadDomain, clip(authority))
		}
		// Never echo this text: the part before the @ may be a password.
		return "", nil, fmt.Errorf("%w: the address has a user name or password in it (before the @); enter only the portal's address, such as data.ct.gov, and give the credentials separately", ErrBadDomain)
	}
	if authority == "" {
		return "", nil, fmt.Errorf("%w: %q has no host name in it; a portal address looks like data.ct.gov", ErrBadDomain, clip(t))
	}
	// A bare IPv6 address such as ::1 has colons that url.Parse would take
	// for a port.
	if ip := net.ParseIP(authority); ip != nil && strings.Contains(authority, ":") {
		rest = "[" + authority + "]" + rest[len(authority):]
	}
	u, err := url.Parse("//" + rest)
	if err != nil || u.Host == "" {
		return "", nil, fmt.Errorf("%w: %q is not a web address; a portal address looks like data.ct.gov", ErrBadDomain, clip(t))
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	port := u.Port()
	if strings.HasSuffix(u.Host, ":") {
		return "", nil, fmt.Errorf("%w: %q has a colon but no port number after it", ErrBadDomain, clip(t))
	}
	if err := checkHost(host); err != nil {
		return "", nil, fmt.Errorf("%w: %q %s", ErrBadDomain, clip(t), err.Error())
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", nil, fmt.Errorf("%w: %q has port %q, which is not a port number (1 to 65535)", ErrBadDomain, clip(t), clip(port))
		}
		port = strconv.Itoa(n)
	}
	loop := isLoopback(host)
	switch {
	case scheme == "" && loop:
		scheme = "http"
	case scheme == "":
		scheme = "https"
	case scheme == "http" && !loop:
		return "", nil, fmt.Errorf("%w: plain http is not allowed for %s because it would send your credentials unencrypted; use https://%s", ErrInsecure, host, hostPort(host, port, "https"))
	}
	hp := hostPort(host, port, scheme)
	if loop {
		return Domain(scheme + "://" + hp), u, nil
	}
	return Domain(hp), u, nil
}

// hostPort joins a host and port, bracketing IPv6 addresses and leaving out
// the scheme's default port.
func hostPort(host, port, scheme string) string {
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port == "" {
		return host
	}
	return host + ":" + port
}

// checkHost says why host is not a host name, or returns nil. The message
// completes a sentence that starts with the quoted input.
func checkHost(host string) error {
	if host == "" {
		return errors.New("has no host name in it; a portal address looks like data.ct.gov")
	}
	if net.ParseIP(host) != nil {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	if len(host) > 253 {
		return errors.New("is too long to be a host name")
	}
	labels := strings.Split(host, ".")
	if len(labels) < 2 {
		return errors.New("is not a full host name; a portal address has a dot in it, like data.ct.gov")
	}
	for _, l := range labels {
		if l == "" {
			return errors.New("has two dots in a row or starts with a dot")
		}
		if len(l) > 63 {
			return errors.New("has a part between dots longer than 63 characters")
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return errors.New("has a part that starts or ends with a hyphen")
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return fmt.Errorf("has the character %q, which a host name cannot contain", r)
			}
		}
	}
	return nil
}

// isLoopback reports whether host (without brackets or port) is this
// computer.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// clip shortens text quoted back in an error message, so that a pasted
// paragraph does not flood the screen.
func clip(s string) string {
	const limit = 80
	r := []rune(s)
	if len(r) <= limit {
		return s
	}
	return string(r[:limit]) + "…"
}
