package socratatest

import (
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// readableDataset resolves the dataset a read names and checks that the
// caller may see it, answering the request itself when not.
func (p *Portal) readableDataset(w http.ResponseWriter, r *http.Request, id, what string) *dataset {
	d := p.lookup(id)
	u := requestUser(r)
	switch {
	case d == nil:
		writeSODAError(w, http.StatusNotFound, "not_found", fmt.Sprintf("Cannot find %s with id %s: check the id (the 4x4 in its address).", what, id))
	case !canSee(u, d) && u == nil:
		writeSODAError(w, http.StatusForbidden, "authentication_required", fmt.Sprintf("%s is private: sign in as a user it is shared with to see it.", id))
	case !canSee(u, d):
		writeSODAError(w, http.StatusForbidden, "permission_denied", fmt.Sprintf("You do not have permission to see %s: ask its owner to share it with you.", id))
	default:
		return d
	}
	return nil
}

func (p *Portal) handleView(w http.ResponseWriter, r *http.Request) {
	id, _ := trimExt(r.PathValue("file"))
	d := p.readableDataset(w, r, id, "view")
	if d == nil {
		return
	}
	u := requestUser(r)
	p.mu.RLock()
	v := p.viewJSON(d, u)
	p.mu.RUnlock()
	writeJSON(w, http.StatusOK, v)
}

// viewJSON renders /api/views/{id}.json. The caller holds p.mu.
func (p *Portal) viewJSON(d *dataset, u *user) map[string]any {
	cols := []map[string]any{}
	for _, f := range []struct {
		id        int
		name, fld string
	}{{-1, ":id", ":id"}, {-2, ":created_at", ":created_at"}, {-3, ":updated_at", ":updated_at"}} {
		cols = append(cols, map[string]any{
			"id": f.id, "name": f.name, "fieldName": f.fld, "dataTypeName": "meta_data",
			"renderTypeName": "meta_data", "position": 0, "format": map[string]string{}, "flags": []string{"hidden"},
		})
	}
	for _, c := range d.cols {
		m := map[string]any{
			"id":             c.id,
			"name":           c.spec.Name,
			"fieldName":      c.spec.FieldName,
			"dataTypeName":   c.spec.Type,
			"renderTypeName": c.spec.Type,
			"position":       c.position,
			"tableColumnId":  c.id - 1_000_000,
			"width":          180,
			"description":    c.spec.Description,
			"format":         formatOrEmpty(c.spec.Format),
		}
		if c.computedFrom >= 0 {
			m["computationStrategy"] = map[string]any{
				"type":           "georegion_match_on_point",
				"source_columns": []string{d.cols[c.computedFrom].spec.FieldName},
				"parameters":     map[string]any{"region": "_smpl-twns", "primary_key": "_feature_id"},
			}
		}
		cols = append(cols, m)
	}
	grantFlags := []string{"public"}
	if d.spec.Private {
		grantFlags = []string{}
	}
	v := map[string]any{
		"id":               d.spec.ID,
		"name":             d.name,
		"description":      d.description,
		"category":         d.category,
		"attribution":      d.spec.Attribution,
		"tags":             nonNil(d.spec.Tags),
		"createdAt":        d.spec.CreatedAt.Unix(),
		"publicationDate":  d.spec.CreatedAt.Unix(),
		"rowsUpdatedAt":    d.rowsUpdatedAt.Unix(),
		"viewLastModified": d.updatedAt.Unix(),
		"rowsUpdatedBy":    d.rowsUpdatedBy,
		"publicationStage": "published",
		"publicationGroup": d.spec.CreatedAt.Unix() % 1_000_000,
		"viewType":         d.spec.ViewType,
		"displayType":      displayType(d.spec.ViewType),
		"assetType":        assetType(d.spec.ViewType),
		"newBackend":       d.spec.SyncedCopy,
		"provenance":       "official",
		"licenseId":        "PUBLIC_DOMAIN",
		"license":          map[string]any{"name": "Public Domain"},
		"owner":            userJSON(d.owner, false),
		"tableAuthor":      userJSON(d.owner, false),
		"rights":           viewRights(u, d),
		"flags":            []string{"default"},
		"grants":           []map[string]any{{"type": "viewer", "flags": grantFlags, "inherited": false}},
		"metadata":         map[string]any{"custom_fields": map[string]any{}},
		"query":            map[string]any{},
		"columns":          cols,
	}
	if !d.tabular() {
		v["columns"] = []map[string]any{}
	}
	if d.keyCol >= 0 {
		v["rowIdentifierColumnId"] = d.cols[d.keyCol].id
	}
	return v
}

func displayType(viewType string) string {
	switch viewType {
	case "tabular":
		return "table"
	case "geo":
		return "map"
	}
	return viewType
}

func formatOrEmpty(f map[string]string) map[string]string {
	if f == nil {
		return map[string]string{}
	}
	return f
}

// rowQuery is a parsed SODA read: $limit, $offset, $order, $select and
// simple field=value filters.
type rowQuery struct {
	limit, offset int
	order         []orderKey
	system        bool  // $select included :*
	fields        []int // columns to return
	filters       map[int]string
	// count is the name of the one field a $select=count(*) answers with
	// ("count", or the alias after AS); "" for a read of rows.
	count string
}

type orderKey struct {
	col  int // column index, or -1 for :id
	desc bool
}

var orderTermRE = regexp.MustCompile(`(?i)^\s*(\S+?)(?:\s+(asc|desc))?\s*$`)

// countRE matches count(*) in a $select, with an optional alias. The
// portal names the result "count" unless an alias is given.
var countRE = regexp.MustCompile(`(?i)^count\(\s*\*\s*\)(?:\s+as\s+([a-z_][a-z0-9_]*))?$`)

// parseRowQuery reads a SODA query; the error is a sentence for a 400.
func parseRowQuery(d *dataset, q url.Values) (rowQuery, error) {
	rq := rowQuery{limit: 1000, filters: map[int]string{}}
	for i := range d.cols {
		rq.fields = append(rq.fields, i)
	}
	for name, vals := range q {
		v := vals[0]
		switch name {
		case "$limit":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return rq, fmt.Errorf("$limit must be a whole number, not %q", v)
			}
			rq.limit = n
		case "$offset":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return rq, fmt.Errorf("$offset must be a whole number, not %q", v)
			}
			rq.offset = n
		case "$order":
			for _, term := range strings.Split(v, ",") {
				m := orderTermRE.FindStringSubmatch(term)
				if m == nil {
					return rq, fmt.Errorf("$order term %q is not a field name with an optional ASC or DESC", term)
				}
				k := orderKey{col: -1, desc: strings.EqualFold(m[2], "desc")}
				if m[1] != ":id" {
					i, ok := d.byField[m[1]]
					if !ok {
						return rq, fmt.Errorf("no such column: %s", m[1])
					}
					k.col = i
				}
				rq.order = append(rq.order, k)
			}
		case "$select":
			rq.fields = nil
			terms := strings.Split(v, ",")
			for _, f := range terms {
				f = strings.TrimSpace(f)
				if m := countRE.FindStringSubmatch(f); m != nil {
					// Anything beside an aggregate needs a $group, which
					// socratatest does not support.
					if len(terms) > 1 {
						return rq, fmt.Errorf("count(*) must be the only term of $select (socratatest has no $group), not %q", v)
					}
					rq.count = "count"
					if m[1] != "" {
						rq.count = m[1]
					}
					continue
				}
				switch f {
				case ":*":
					rq.system = true
				case "*":
					for i := range d.cols {
						rq.fields = append(rq.fields, i)
					}
				default:
					i, ok := d.byField[f]
					if !ok {
						return rq, fmt.Errorf("no such column: %s (socratatest supports only field names, *, :* and count(*) in $select)", f)
					}
					rq.fields = append(rq.fields, i)
				}
			}
		case "$$app_token":
			// An app token only names the calling application.
		default:
			if strings.HasPrefix(name, "$") {
				return rq, fmt.Errorf("socratatest does not support %s; it supports $limit, $offset, $order, $select and field=value filters", name)
			}
			i, ok := d.byField[name]
			if !ok {
				return rq, fmt.Errorf("no such column: %s", name)
			}
			val, err := normalize(d.cols[i].kind, d.cols[i].spec.Type, v)
			if err != nil {
				return rq, fmt.Errorf("filter %s: %v", name, err)
			}
			rq.filters[i] = val
		}
	}
	return rq, nil
}

// matches says whether a row is live and passes the query's filters.
// Numbers compare by value, as on the portal, so visitors=1800.0 finds
// a row holding 1800.
func matches(d *dataset, rq rowQuery, r *row) bool {
	if r.deleted {
		return false
	}
	for i, want := range rq.filters {
		got := r.vals[i]
		if got == want {
			continue
		}
		if d.cols[i].kind != kNumber || got == "" || want == "" {
			return false
		}
		x, errx := strconv.ParseFloat(got, 64)
		y, erry := strconv.ParseFloat(want, 64)
		if errx != nil || erry != nil || x != y {
			return false
		}
	}
	return true
}

// countRows counts the live rows that pass the query's filters, without
// collecting them, so counting a big dataset costs no memory. The caller
// holds p.mu.
func countRows(d *dataset, rq rowQuery) int {
	n := 0
	for _, r := range d.rows {
		if matches(d, rq, r) {
			n++
		}
	}
	return n
}

// selectRows returns the page of live rows a query asks for. The caller
// holds p.mu.
func selectRows(d *dataset, rq rowQuery) []*row {
	var rows []*row
	for _, r := range d.rows {
		if matches(d, rq, r) {
			rows = append(rows, r)
		}
	}
	if len(rq.order) > 0 {
		sort.SliceStable(rows, func(a, b int) bool {
			for _, k := range rq.order {
				c := compareCells(d, k.col, rows[a], rows[b])
				if c == 0 {
					continue
				}
				if k.desc {
					return c > 0
				}
				return c < 0
			}
			return false
		})
	}
	if rq.offset >= len(rows) {
		return nil
	}
	rows = rows[rq.offset:]
	if len(rows) > rq.limit {
		rows = rows[:rq.limit]
	}
	return rows
}

// compareCells orders two rows by one column: numbers by value, other
// types by their canonical text (which sorts timestamps correctly), and
// nulls last.
func compareCells(d *dataset, col int, a, b *row) int {
	if col < 0 {
		return strings.Compare(a.sid, b.sid)
	}
	x, y := a.vals[col], b.vals[col]
	switch {
	case x == y:
		return 0
	case x == "":
		return 1
	case y == "":
		return -1
	}
	if d.cols[col].kind == kNumber {
		fx, errx := strconv.ParseFloat(x, 64)
		fy, erry := strconv.ParseFloat(y, 64)
		if errx == nil && erry == nil {
			switch {
			case fx < fy:
				return -1
			case fx > fy:
				return 1
			}
			return 0
		}
	}
	return strings.Compare(x, y)
}

func (p *Portal) handleResourceGet(w http.ResponseWriter, r *http.Request) {
	id, format := trimExt(r.PathValue("file"))
	d := p.readableDataset(w, r, id, "dataset")
	if d == nil {
		return
	}
	if !d.tabular() {
		writeSODAError(w, http.StatusNotFound, "not_found", fmt.Sprintf("%s is a %s, not a dataset: it has no rows.", id, assetType(d.spec.ViewType)))
		return
	}
	rq, err := parseRowQuery(d, r.URL.Query())
	if err != nil {
		writeSODAError(w, http.StatusBadRequest, "query.soql.invalid", err.Error()+".")
		return
	}
	if rq.count != "" {
		p.writeCount(w, d, rq, format)
		return
	}
	if format == "csv" {
		p.writeRowsCSV(w, d, rq, false)
		return
	}
	p.mu.RLock()
	page := selectRows(d, rq)
	out := make([]map[string]any, 0, len(page))
	for _, row := range page {
		m := map[string]any{}
		if rq.system {
			m[":id"] = row.sid
			m[":created_at"] = row.created.Format(floatingLayout) + "Z"
			m[":updated_at"] = row.updated.Format(floatingLayout) + "Z"
		}
		for _, i := range rq.fields {
			if v := row.vals[i]; v != "" {
				m[d.cols[i].spec.FieldName] = jsonValue(d.cols[i].kind, v)
			}
		}
		out = append(out, m)
	}
	p.mu.RUnlock()
	writeJSON(w, http.StatusOK, out)
}

// writeCount answers a $select=count(*): one row whose single field holds
// the count as a string, as the portal sends every aggregate. $limit and
// $offset page that one row; $order has nothing to order.
func (p *Portal) writeCount(w http.ResponseWriter, d *dataset, rq rowQuery, format string) {
	p.mu.RLock()
	n := countRows(d, rq)
	p.mu.RUnlock()
	rows := [][]string{{strconv.Itoa(n)}}
	if rq.offset > 0 || rq.limit == 0 {
		rows = nil
	}
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{rq.count})
		_ = cw.WriteAll(rows)
		return
	}
	out := make([]map[string]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, map[string]string{rq.count: r[0]})
	}
	writeJSON(w, http.StatusOK, out)
}

func (p *Portal) handleViewRowsCSV(w http.ResponseWriter, r *http.Request) {
	d := p.readableDataset(w, r, r.PathValue("id"), "view")
	if d == nil {
		return
	}
	rq, _ := parseRowQuery(d, url.Values{})
	rq.limit = math.MaxInt // the export has every row
	p.writeRowsCSV(w, d, rq, true)
}

// writeRowsCSV writes rows as CSV: field names in the header for
// /resource, display names for the rows.csv export, as the portal does.
func (p *Portal) writeRowsCSV(w http.ResponseWriter, d *dataset, rq rowQuery, displayNames bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	cw := csv.NewWriter(w)
	var header []string
	if rq.system {
		header = append(header, ":id", ":created_at", ":updated_at")
	}
	for _, i := range rq.fields {
		if displayNames {
			header = append(header, d.cols[i].spec.Name)
		} else {
			header = append(header, d.cols[i].spec.FieldName)
		}
	}
	_ = cw.Write(header)
	for _, row := range selectRows(d, rq) {
		var rec []string
		if rq.system {
			rec = append(rec, row.sid, row.created.Format(floatingLayout)+"Z", row.updated.Format(floatingLayout)+"Z")
		}
		for _, i := range rq.fields {
			rec = append(rec, row.vals[i])
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
}
