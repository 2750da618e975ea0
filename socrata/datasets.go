package socrata

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

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
	// CreatedAt is when the dataset was made; MetadataUpdatedAt when its
	// description, columns or other metadata last changed.
	CreatedAt         time.Time
	MetadataUpdatedAt time.Time
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

// CanWrite reports whether the caller's rights on the dataset include any
// beyond reading it ("write", "add", "delete", "update_view", ...). Socrata
// does not document the names of the write rights, so this is a strong
// hint rather than a promise: the definitive test is a write.
func (d *Dataset) CanWrite() bool {
	for _, r := range d.Rights {
		r = strings.ToLower(strings.TrimSpace(r))
		if r == "" || r == "read" || r == "view" || strings.HasPrefix(r, "read_") || strings.HasPrefix(r, "view_") {
			continue
		}
		return true
	}
	return false
}

// Tabular reports whether the asset is a dataset that holds rows. An
// answer without a viewType is taken to be tabular, so that an older
// portal does not hide a dataset the publisher could in fact update.
func (d *Dataset) Tabular() bool {
	return d.ViewType == "tabular" || d.ViewType == ""
}

// Dataset fetches a dataset's schema from GET /api/views/{id}.json, drops
// the columns nobody can write (field names starting with ":" and computed
// columns), and puts the rest in display order.
func (c *Client) Dataset(ctx context.Context, id DatasetID) (*Dataset, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	path := "/api/views/" + string(id) + ".json"
	var v viewJSON
	if err := c.getJSON(ctx, path, nil, &v); err != nil {
		return nil, err
	}
	if v.ID == "" {
		return nil, c.badShape(http.MethodGet, path, "it has no dataset id", nil)
	}
	d := &Dataset{
		ID:                DatasetID(v.ID),
		Name:              v.Name,
		Description:       v.Description,
		Category:          v.Category,
		Attribution:       v.Attribution,
		ViewType:          v.ViewType,
		DisplayType:       v.DisplayType,
		PublicationStage:  v.PublicationStage,
		Rights:            v.Rights,
		CreatedAt:         v.CreatedAt.Time,
		MetadataUpdatedAt: v.ViewLastModified.Time,
		RowsUpdatedAt:     v.RowsUpdatedAt.Time,
		NewBackend:        v.NewBackend,
		Link:              c.datasetLink(id),
	}
	if v.Owner != nil {
		d.OwnerID, d.OwnerName = v.Owner.ID, v.Owner.name()
	}
	for _, col := range v.Columns {
		if v.RowIdentifierColumnID.set && int64(col.ID) == v.RowIdentifierColumnID.n {
			d.RowIdentifier = col.FieldName
		}
		system := strings.HasPrefix(col.FieldName, ":")
		computed := len(col.ComputationStrategy) > 0 && !bytes.Equal(col.ComputationStrategy, []byte("null"))
		if system || computed {
			continue
		}
		d.Columns = append(d.Columns, Column{
			ID:          col.ID,
			Name:        col.Name,
			FieldName:   col.FieldName,
			Type:        ParseDataType(col.DataTypeName),
			RawType:     col.DataTypeName,
			Position:    col.Position,
			Description: col.Description,
			Format:      formatStrings(col.Format),
		})
	}
	slices.SortStableFunc(d.Columns, func(a, b Column) int { return a.Position - b.Position })
	return d, nil
}

// viewJSON is the part of /api/views/{id}.json the client reads.
type viewJSON struct {
	ID                    string       `json:"id"`
	Name                  string       `json:"name"`
	Description           string       `json:"description"`
	Category              string       `json:"category"`
	Attribution           string       `json:"attribution"`
	ViewType              string       `json:"viewType"`
	DisplayType           string       `json:"displayType"`
	PublicationStage      string       `json:"publicationStage"`
	RowIdentifierColumnID flexInt      `json:"rowIdentifierColumnId"`
	Rights                []string     `json:"rights"`
	Owner                 *ownerJSON   `json:"owner"`
	CreatedAt             epoch        `json:"createdAt"`
	ViewLastModified      epoch        `json:"viewLastModified"`
	RowsUpdatedAt         epoch        `json:"rowsUpdatedAt"`
	NewBackend            bool         `json:"newBackend"`
	Columns               []columnJSON `json:"columns"`
}

type ownerJSON struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	// DisplayNameSnake is the catalog's spelling in some answers.
	DisplayNameSnake string `json:"display_name"`
}

func (o *ownerJSON) name() string {
	if o.DisplayName != "" {
		return o.DisplayName
	}
	return o.DisplayNameSnake
}

type columnJSON struct {
	ID                  int             `json:"id"`
	Name                string          `json:"name"`
	FieldName           string          `json:"fieldName"`
	DataTypeName        string          `json:"dataTypeName"`
	Position            int             `json:"position"`
	Description         string          `json:"description"`
	Format              map[string]any  `json:"format"`
	ComputationStrategy json.RawMessage `json:"computationStrategy"`
}

// formatStrings flattens a column's format hints to strings; the portal
// sends most as strings but some as numbers or booleans.
func formatStrings(m map[string]any) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		switch t := v.(type) {
		case string:
			out[k] = t
		case nil:
		default:
			b, _ := json.Marshal(t)
			out[k] = string(b)
		}
	}
	return out
}

// flexInt reads an integer sent as a JSON number or a numeric string, and
// remembers whether one was there at all.
type flexInt struct {
	n   int64
	set bool
}

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		*f = flexInt{}
		return nil
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("expected a number, got %s", clip(string(b)))
	}
	*f = flexInt{n: int64(n), set: true}
	return nil
}

// epoch reads a timestamp in seconds since 1970, as /api/views sends
// them, from a JSON number or numeric string.
type epoch struct{ time.Time }

func (e *epoch) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		e.Time = time.Time{}
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) {
		e.Time = time.Time{}
		return nil
	}
	sec, frac := math.Modf(f)
	e.Time = time.Unix(int64(sec), int64(frac*1e9)).UTC()
	return nil
}
