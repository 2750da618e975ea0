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
	// (1,000 rows). Offset is how many rows to skip first.
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
	if err := checkID(id); err != nil {
		return nil, err
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
	return c.query(ctx, id, v)
}

// RowCount asks how many rows a dataset has: GET /resource/{id}.json with
// $select=count(*). The portal answers [{"count": "1234"}], the count as
// a string or, from some versions, a number.
func (c *Client) RowCount(ctx context.Context, id DatasetID) (int64, error) {
	if err := checkID(id); err != nil {
		return 0, err
	}
	rows, err := c.query(ctx, id, url.Values{"$select": {"count(*)"}})
	if err != nil {
		return 0, err
	}
	path := resourcePath(id)
	if len(rows) != 1 {
		return 0, c.badShape(http.MethodGet, path, fmt.Sprintf("the count came as %d rows, not one", len(rows)), nil)
	}
	v, ok := rows[0]["count"]
	if !ok {
		return 0, c.badShape(http.MethodGet, path, "the count has no count field", nil)
	}
	var text string
	switch t := v.(type) {
	case string:
		text = t
	case json.Number:
		text = t.String()
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < 0 {
		raw, _ := json.Marshal(v)
		return 0, c.badShape(http.MethodGet, path, fmt.Sprintf("the count is %s, not a whole number", clip(string(raw))), nil)
	}
	return n, nil
}

// query runs a SoQL query (GET /resource/{id}.json) and decodes its rows,
// keeping numbers as json.Number so that no digit is lost.
func (c *Client) query(ctx context.Context, id DatasetID, v url.Values) ([]Row, error) {
	resp, err := c.do(ctx, &request{method: http.MethodGet, path: resourcePath(id), query: v, retry: true})
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
