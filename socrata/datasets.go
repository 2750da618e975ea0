package socrata

import "time"

// Dataset is a dataset's schema and the facts about it a publisher needs,
// from /api/views/{id}.json.
type Dataset struct {
	ID          DatasetID
	Name        string
	Description string
	Category    string
	Attribution string
	// ViewType is "tabular" for datasets; anything else (a map, a story, a
	// file) cannot take rows.
	ViewType         string
	DisplayType      string
	PublicationStage string
	// Columns are the writable columns in display order; system and
	// computed columns are left out.
	Columns []Column
	// RowIdentifier is the field name of the row identifier column, or ""
	// when the dataset has none (upserts then always append).
	RowIdentifier string
	// Rights are the caller's rights on this dataset ("read", "write", ...).
	Rights    []string
	OwnerID   string
	OwnerName string
	// RowsUpdatedAt is when the data last changed.
	RowsUpdatedAt time.Time
	// NewBackend is true for a synced copy on the new backend, which the
	// portal refuses to update by hand.
	NewBackend bool
	// Link is the dataset's web page.
	Link string
}

// Column returns the column with the given field name.
func (d *Dataset) Column(fieldName string) (Column, bool) {
	for _, c := range d.Columns {
		if c.FieldName == fieldName {
			return c, true
		}
	}
	return Column{}, false
}

// CatalogQuery selects datasets from the Discovery (catalog) API. The
// client always restricts it to its own domain.
type CatalogQuery struct {
	// Query is full-text search over names, descriptions and column names.
	Query string
	// ForUser keeps assets owned by this user id.
	ForUser string
	// SharedTo keeps assets shared to this user id (it excludes the user's
	// own assets, so "everything I can edit" takes two queries).
	SharedTo string
	// Only is the asset type; empty means "dataset".
	Only string
	// Order is a catalog order such as "name" or "updatedAt DESC"; empty
	// means relevance.
	Order string
	// Limit and Offset page through results. The catalog refuses
	// Offset+Limit past 10,000.
	Limit  int
	Offset int
}

// CatalogPage is one page of catalog results.
type CatalogPage struct {
	// Total is the number of results the whole query matches.
	Total   int
	Results []CatalogEntry
}

// CatalogEntry is one asset in a catalog result.
type CatalogEntry struct {
	ID          DatasetID
	Name        string
	Description string
	Type        string
	UpdatedAt   time.Time
	CreatedAt   time.Time
	// ColumnFieldNames, ColumnNames and ColumnTypes are parallel lists; the
	// types are human-readable labels, not API type names.
	ColumnFieldNames []string
	ColumnNames      []string
	ColumnTypes      []string
	OwnerID          string
	OwnerName        string
	Domain           string
	Category         string
	Link             string
	Permalink        string
}

// RowsQuery selects rows from /resource/{id}.json.
type RowsQuery struct {
	Limit  int
	Offset int
	// Order is a SoQL order such as ":id" or "permit_id DESC".
	Order string
}

// Row is one row as the SODA JSON endpoint returns it: field name to value.
// Values are usually strings; points and urls are objects.
type Row map[string]any
