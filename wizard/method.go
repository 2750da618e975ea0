package wizard

import "fmt"

// Method is how an upload changes a dataset.
type Method int

const (
	// Upsert updates rows whose row identifier exists and creates the rest;
	// without a row identifier every row is created.
	Upsert Method = iota
	// Replace makes the file the dataset's complete new contents.
	Replace
	// Append creates every row. On a dataset with a row identifier it
	// behaves like Upsert, as it does in SODA and DataSync.
	Append
	// Delete removes the rows whose identifiers the file lists; it needs a
	// row identifier.
	Delete
)

// Methods lists every method in the order the wizard offers them.
var Methods = []Method{Upsert, Replace, Append, Delete}

// String names the method as job files and DataSync write it.
func (m Method) String() string {
	switch m {
	case Upsert:
		return "upsert"
	case Replace:
		return "replace"
	case Append:
		return "append"
	case Delete:
		return "delete"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// parseMethod is the inverse of [Method.String].
func parseMethod(s string) (Method, error) {
	for _, m := range Methods {
		if m.String() == s {
			return m, nil
		}
	}
	return 0, fmt.Errorf("unknown method %q: want upsert, replace, append or delete", s)
}

// MarshalText writes the method's name.
func (m Method) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads a method's name.
func (m *Method) UnmarshalText(b []byte) error {
	v, err := parseMethod(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// Route is the portal API an upload goes through.
type Route int

const (
	// RouteAuto lets the wizard choose: the Data Management API for replace
	// and for files over 10 MB, SODA otherwise.
	RouteAuto Route = iota
	// RouteSODA writes rows with SODA POST (in batches) and PUT.
	RouteSODA
	// RouteDSMAPI uploads the file to a revision of the Data Management API
	// and applies it.
	RouteDSMAPI
)

// Routes lists every route in the order the wizard offers them.
var Routes = []Route{RouteAuto, RouteSODA, RouteDSMAPI}

// String names the route as job files write it.
func (r Route) String() string {
	switch r {
	case RouteAuto:
		return "auto"
	case RouteSODA:
		return "soda"
	case RouteDSMAPI:
		return "dsmapi"
	}
	return fmt.Sprintf("Route(%d)", int(r))
}

// parseRoute is the inverse of [Route.String].
func parseRoute(s string) (Route, error) {
	for _, r := range Routes {
		if r.String() == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("unknown route %q: want auto, soda or dsmapi", s)
}

// MarshalText writes the route's name.
func (r Route) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a route's name.
func (r *Route) UnmarshalText(b []byte) error {
	v, err := parseRoute(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}
