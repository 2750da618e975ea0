package socrata

// Format is the payload format of a SODA write.
type Format int

const (
	// JSON is an array of row objects keyed by field name.
	JSON Format = iota
	// CSV is RFC 4180 CSV whose first line holds API field names.
	CSV
)

// ContentType is the MIME type sent for the format.
func (f Format) ContentType() string {
	if f == CSV {
		return "text/csv"
	}
	return "application/json"
}

// WriteResult counts what a SODA write did. The portal answers in one of
// three shapes (a Core summary with an error count, a snake_case summary
// with row errors, or one entry per input row); all become a WriteResult.
type WriteResult struct {
	Created int
	Updated int
	Deleted int
	// Errors is the number of rows the portal rejected. RowErrors holds the
	// detail when the portal gave it; the Core shape gives only the count.
	Errors    int
	RowErrors []RowError
}

// RowError is one row the portal rejected.
type RowError struct {
	// Index is the 0-based position of the row in the request body, or -1
	// when the portal did not say.
	Index int
	// ID is the row identifier value, when known.
	ID      string
	Message string
}
