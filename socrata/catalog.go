package socrata

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// CatalogWindow is how deep the catalog pages: it refuses any request whose
// Offset+Limit goes past the first 10,000 results.
const CatalogWindow = 10000

// DefaultCatalogLimit is the page size used when a query leaves Limit at 0.
const DefaultCatalogLimit = 100

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
	// Limit and Offset page through results; Limit 0 means
	// [DefaultCatalogLimit]. The catalog refuses Offset+Limit past
	// [CatalogWindow].
	Limit  int
	Offset int
}

// CatalogPage is one page of catalog results.
type CatalogPage struct {
	// Total is the number of results the whole query matches. Only the
	// first CatalogWindow of them can be paged to.
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

// Search asks the catalog (GET /api/catalog/v1 on the portal itself) for
// one page of assets on this portal. A page that would reach past
// CatalogWindow is refused before anything is sent, with an error wrapping
// [ErrCatalogWindow].
func (c *Client) Search(ctx context.Context, q CatalogQuery) (*CatalogPage, error) {
	limit := q.Limit
	if limit == 0 {
		limit = DefaultCatalogLimit
	}
	if limit < 0 || q.Offset < 0 {
		return nil, fmt.Errorf("socrata: catalog limit and offset cannot be negative (limit %d, offset %d)", q.Limit, q.Offset)
	}
	if q.Offset+limit > CatalogWindow {
		return nil, fmt.Errorf("socrata: %w: the catalog returns only the first 10,000 results and this page (offset %d, limit %d) goes past them; narrow the search with more words or a filter",
			ErrCatalogWindow, q.Offset, limit)
	}
	only := q.Only
	if only == "" {
		only = "dataset"
	}
	host := c.domain.Host()
	v := url.Values{}
	// Without domains= the portal answers from the federated catalog of
	// every Socrata site; search_context makes categories the portal's own.
	v.Set("domains", host)
	v.Set("search_context", host)
	v.Set("only", only)
	if q.Query != "" {
		v.Set("q", q.Query)
	}
	if q.ForUser != "" {
		v.Set("for_user", q.ForUser)
	}
	if q.SharedTo != "" {
		v.Set("shared_to", q.SharedTo)
	}
	if q.Order != "" {
		v.Set("order", q.Order)
	}
	v.Set("limit", strconv.Itoa(limit))
	v.Set("offset", strconv.Itoa(q.Offset))

	var raw catalogJSON
	if err := c.getJSON(ctx, "/api/catalog/v1", v, &raw); err != nil {
		return nil, err
	}
	if raw.Results == nil {
		// The catalog always sends "results", [] when nothing matched.
		return nil, c.badShape(http.MethodGet, "/api/catalog/v1", "it has no list of results", nil)
	}
	page := &CatalogPage{Total: raw.ResultSetSize, Results: make([]CatalogEntry, 0, len(raw.Results))}
	for _, r := range raw.Results {
		e := CatalogEntry{
			ID:               DatasetID(r.Resource.ID),
			Name:             r.Resource.Name,
			Description:      r.Resource.Description,
			Type:             r.Resource.Type,
			UpdatedAt:        parseTime(r.Resource.UpdatedAt),
			CreatedAt:        parseTime(r.Resource.CreatedAt),
			ColumnFieldNames: r.Resource.ColumnsFieldName,
			ColumnNames:      r.Resource.ColumnsName,
			ColumnTypes:      r.Resource.ColumnsDatatype,
			Domain:           r.Metadata.Domain,
			Category:         r.Classification.DomainCategory,
			Link:             r.Link,
			Permalink:        r.Permalink,
		}
		if e.ColumnTypes == nil {
			e.ColumnTypes = r.Resource.ColumnsDataytpe
		}
		if r.Owner != nil {
			e.OwnerID, e.OwnerName = r.Owner.ID, r.Owner.name()
		}
		page.Results = append(page.Results, e)
	}
	return page, nil
}

type catalogJSON struct {
	ResultSetSize int `json:"resultSetSize"`
	Results       []struct {
		Resource struct {
			ID               string   `json:"id"`
			Name             string   `json:"name"`
			Description      string   `json:"description"`
			Type             string   `json:"type"`
			UpdatedAt        string   `json:"updatedAt"`
			CreatedAt        string   `json:"createdAt"`
			ColumnsFieldName []string `json:"columns_field_name"`
			ColumnsName      []string `json:"columns_name"`
			ColumnsDatatype  []string `json:"columns_datatype"`
			// ColumnsDataytpe is the spec's misspelling, read in case a
			// portal follows the spec.
			ColumnsDataytpe []string `json:"columns_dataytpe"`
		} `json:"resource"`
		Classification struct {
			DomainCategory string `json:"domain_category"`
		} `json:"classification"`
		Metadata struct {
			Domain string `json:"domain"`
		} `json:"metadata"`
		Owner     *ownerJSON `json:"owner"`
		Link      string     `json:"link"`
		Permalink string     `json:"permalink"`
	} `json:"results"`
}

// parseTime reads the timestamps Socrata's JSON APIs send: RFC 3339 with
// or without a zone, and with any fraction of a second. A timestamp
// without a zone is taken as UTC. Anything else is the zero time.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
