package socrata

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// RowsQuery selects rows from /resource/{id}.json.
type RowsQuery struct {
	// Limit is the most rows to return; 0 leaves the portal's default
	// (1,000 rows).
	Limit  int
	Offset int
	// Order is a SoQL order such as ":id" or "permit_id DESC". Paging
	// through a whole dataset needs one, or pages may overlap.
	Order string
}

// Row is one row as the SODA JSON endpoint returns it: field name to value.
// Values are usually strings; points and urls are objects, and numbers
// that arrive unquoted are json.Number so that no digit is lost.
type Row map[string]any

// Rows reads rows from GET /resource/{id}.json with $limit, $offset and
// $order.
func (c *Client) Rows(ctx context.Context, id DatasetID, q RowsQuery) ([]Row, error) {
	if !id.Valid() {
		return nil, fmt.Errorf("socrata: %q is not a dataset id: ids look like abcd-1234", clip(string(id)))
	}
	if q.Limit < 0 || q.Offset < 0 {
		return nil, fmt.Errorf("socrata: row limit and offset cannot be negative (limit %d, offset %d)", q.Limit, q.Offset)
	}
	v := url.Values{}
	if q.Limit > 0 {
		v.Set("$limit", strconv.Itoa(q.Limit))
	}
	if q.Offset > 0 {
		v.Set("$offset", strconv.Itoa(q.Offset))
	}
	if q.Order != "" {
		v.Set("$order", q.Order)
	}
	resp, err := c.do(ctx, &request{method: http.MethodGet, path: "/resource/" + string(id) + ".json", query: v, retry: true})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	br, err := c.jsonBody(resp)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(br)
	dec.UseNumber()
	var rows []Row
	if err := dec.Decode(&rows); err != nil {
		return nil, c.decodeError(http.MethodGet, resp.Request.URL.Path, err)
	}
	if rows == nil {
		rows = []Row{}
	}
	return rows, nil
}
