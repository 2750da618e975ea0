package socrata

import "strings"

// DataType is a column's type as /api/views reports it in dataTypeName,
// normalised by [ParseDataType] so that the legacy names and the SoQL names
// ("calendar_date" and "floating_timestamp", say) compare equal.
type DataType string

// The column types a publisher can write. Older datasets report the legacy
// names on the left of each comment; newer ones report the SoQL names.
const (
	Text              DataType = "text"               // text, html, email, flag, drop_down_list
	Number            DataType = "number"             // number, double, stars
	Money             DataType = "money"              // money
	Percent           DataType = "percent"            // percent
	Checkbox          DataType = "checkbox"           // checkbox, boolean
	FloatingTimestamp DataType = "floating_timestamp" // calendar_date
	FixedTimestamp    DataType = "fixed_timestamp"    // date
	Point             DataType = "point"              // point
	MultiPoint        DataType = "multipoint"         // multipoint
	Line              DataType = "line"               // line
	MultiLine         DataType = "multiline"          // multiline
	Polygon           DataType = "polygon"            // polygon
	MultiPolygon      DataType = "multipolygon"       // multipolygon
	Location          DataType = "location"           // location (legacy)
	URL               DataType = "url"                // url
	Phone             DataType = "phone"              // phone
	Unsupported       DataType = "unsupported"        // photo, document, nested_table, blob, ...
)

// ParseDataType maps a dataTypeName, in either spelling, to a [DataType].
// Types no tool can write (photo, document, nested_table) and names it does
// not know map to [Unsupported].
func ParseDataType(name string) DataType {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "text", "html", "email", "flag", "drop_down_list":
		return Text
	case "number", "double", "stars":
		return Number
	case "money":
		return Money
	case "percent":
		return Percent
	case "checkbox", "boolean":
		return Checkbox
	case "calendar_date", "floating_timestamp":
		return FloatingTimestamp
	case "date", "fixed_timestamp":
		return FixedTimestamp
	case "point":
		return Point
	case "multipoint":
		return MultiPoint
	case "line", "linestring":
		return Line
	case "multiline", "multilinestring":
		return MultiLine
	case "polygon":
		return Polygon
	case "multipolygon":
		return MultiPolygon
	case "location":
		return Location
	case "url":
		return URL
	case "phone":
		return Phone
	}
	return Unsupported
}

// Label is the name the portal's own interface uses for the type.
func (t DataType) Label() string {
	switch t {
	case Text:
		return "Text"
	case Number:
		return "Number"
	case Money:
		return "Money"
	case Percent:
		return "Percent"
	case Checkbox:
		return "Checkbox"
	case FloatingTimestamp:
		return "Date & Time"
	case FixedTimestamp:
		return "Date & Time (with zone)"
	case Point:
		return "Point"
	case MultiPoint:
		return "Multi point"
	case Line:
		return "Line"
	case MultiLine:
		return "Multi line"
	case Polygon:
		return "Polygon"
	case MultiPolygon:
		return "Multi polygon"
	case Location:
		return "Location"
	case URL:
		return "URL"
	case Phone:
		return "Phone"
	}
	return "Unsupported"
}

// Column is one writable column of a dataset. System columns (field names
// that start with ":") and computed columns are dropped before a Column is
// made, as DataSync does.
type Column struct {
	// ID is the portal's integer column id.
	ID int
	// Name is the display name people see on the portal.
	Name string
	// FieldName is the API field name used in CSV headers and SODA payloads.
	FieldName string
	// Type is the normalised column type; RawType is dataTypeName as sent.
	Type    DataType
	RawType string
	// Position is the 1-based display order.
	Position    int
	Description string
	// Format holds the portal's display format hints, such as
	// {"view": "date"} or {"noCommas": "true"}.
	Format map[string]string
}
