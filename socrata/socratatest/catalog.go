package socratatest

import (
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// asset is what the catalog knows of a dataset or other asset.
type asset struct {
	id, name, description, category, attribution, viewType string
	tags                                                   []string
	owner                                                  *user
	shared                                                 map[string]bool
	private                                                bool
	createdAt, updatedAt                                   time.Time
	cols                                                   []ColumnSpec
}

func assetOf(d *dataset) asset {
	a := asset{
		id: d.spec.ID, name: d.name, description: d.description, category: d.category,
		attribution: d.spec.Attribution, viewType: d.spec.ViewType, tags: d.spec.Tags,
		owner: d.owner, shared: d.shared, private: d.spec.Private,
		createdAt: d.spec.CreatedAt, updatedAt: d.updatedAt,
	}
	for _, c := range d.cols {
		a.cols = append(a.cols, c.spec)
	}
	return a
}

// catalogParams are the catalog parameters the portal knows. Any other
// parameter is a custom-metadata filter, which no asset here matches, so
// (as on a real portal) a misspelt parameter silently empties the result.
var catalogParams = map[string]bool{
	"ids": true, "domains": true, "search_context": true, "names": true, "categories": true,
	"tags": true, "only": true, "attribution": true, "license": true, "q": true,
	"min_should_match": true, "parent_ids": true, "derived_from": true, "provenance": true,
	"for_user": true, "shared_to": true, "column_names": true, "public": true,
	"visibility": true, "audience": true, "published": true, "approval_status": true,
	"explicitly_hidden": true, "data_json_hidden": true, "derived": true, "order": true,
	"offset": true, "limit": true, "scroll_id": true, "boostOfficial": true,
	"show_visibility": true, "$$app_token": true, "app_token": true,
}

// onlyTypes maps the catalog's `only` values, singular or plural, to
// asset types.
var onlyTypes = map[string]string{
	"dataset": "dataset", "datasets": "dataset", "map": "map", "maps": "map",
	"story": "story", "stories": "story", "chart": "chart", "charts": "chart",
	"file": "file", "files": "file", "href": "href", "hrefs": "href", "link": "href", "links": "href",
	"filter": "filter", "filters": "filter", "measure": "measure", "measures": "measure",
	"visualization": "visualization", "visualizations": "visualization",
	"calendar": "calendar", "calendars": "calendar", "form": "form", "forms": "form",
	"datalens": "datalens", "datalenses": "datalens", "federated_href": "federated_href",
}

func catalogError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// multi reads a parameter that may be repeated or comma-separated.
func multi(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

type catalogOrder struct {
	field string
	desc  bool
}

var catalogOrders = map[string]bool{
	"relevance": true, "name": true, "owner": true, "dataset_id": true, "datatype": true,
	"domain_category": true, "createdAt": true, "updatedAt": true, "page_views_total": true,
	"page_views_last_month": true, "page_views_last_week": true,
}

func parseCatalogOrder(s string) (catalogOrder, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "+", " "))
	if s == "" {
		return catalogOrder{field: "relevance", desc: true}, nil
	}
	field, dir, _ := strings.Cut(s, " ")
	dir = strings.TrimSpace(dir)
	if !catalogOrders[field] {
		return catalogOrder{}, fmt.Errorf("order %q is not one of relevance, name, owner, dataset_id, datatype, domain_category, createdAt, updatedAt, page_views_total, page_views_last_month, page_views_last_week", field)
	}
	o := catalogOrder{field: field}
	switch {
	case dir == "":
		// Dates and counts default to newest or largest first.
		o.desc = field == "createdAt" || field == "updatedAt" || strings.HasPrefix(field, "page_views") || field == "relevance"
	case strings.EqualFold(dir, "DESC"):
		o.desc = true
	case strings.EqualFold(dir, "ASC"):
	default:
		return catalogOrder{}, fmt.Errorf("order direction %q is not ASC or DESC", dir)
	}
	return o, nil
}

func (p *Portal) handleCatalog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	u := requestUser(r)

	limit, offset := 100, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			catalogError(w, http.StatusBadRequest, fmt.Sprintf("limit must be a whole number from 0 to 10000, not %q", v))
			return
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			catalogError(w, http.StatusBadRequest, fmt.Sprintf("offset must be a whole number, not %q", v))
			return
		}
		offset = n
	}
	if offset+limit > 10000 {
		catalogError(w, http.StatusBadRequest, fmt.Sprintf(
			"offset + limit must be at most 10000, but it is %d: the catalog pages only through its first 10,000 results; narrow the search instead", offset+limit))
		return
	}
	order, err := parseCatalogOrder(q.Get("order"))
	if err != nil {
		catalogError(w, http.StatusBadRequest, err.Error())
		return
	}
	if q.Get("scroll_id") != "" && q.Get("order") != "" {
		catalogError(w, http.StatusBadRequest, "scroll_id cannot be combined with order")
		return
	}
	types := map[string]bool{}
	for _, o := range multi(q["only"]) {
		t, ok := onlyTypes[strings.ToLower(o)]
		if !ok {
			catalogError(w, http.StatusBadRequest, fmt.Sprintf("only=%s is not an asset type such as dataset, map, story, chart, file or href", o))
			return
		}
		types[t] = true
	}
	if q.Has("shared_to") && u == nil {
		catalogError(w, http.StatusUnauthorized, "shared_to needs authentication: sign in to search for assets shared to you")
		return
	}

	empty := false
	for name := range q {
		if !catalogParams[name] {
			empty = true // a custom-metadata filter nothing here matches
		}
	}
	if ds := multi(q["domains"]); len(ds) > 0 && !p.knownDomain(ds, r.Host) {
		empty = true
	}
	f := catalogFilter{
		types:       types,
		ids:         set(multi(q["ids"]), false),
		names:       set(q["names"], true),
		categories:  set(q["categories"], true),
		tags:        set(multi(q["tags"]), true),
		columnNames: set(multi(q["column_names"]), true),
		attribution: q["attribution"],
		forUser:     multi(q["for_user"]),
		sharedTo:    multi(q["shared_to"]),
		words:       strings.Fields(strings.ToLower(q.Get("q"))),
		scrollID:    q.Get("scroll_id"),
		user:        u,
	}
	for _, b := range []struct {
		name   string
		wantOK string // the value every asset here has; the other matches none
	}{{"published", "true"}, {"derived", "false"}, {"explicitly_hidden", "false"},
		{"data_json_hidden", "false"}, {"approval_status", "approved"}, {"provenance", "official"}} {
		if v := q.Get(b.name); v != "" && !strings.EqualFold(v, b.wantOK) {
			empty = true
		}
	}
	if q.Has("parent_ids") || q.Has("derived_from") {
		empty = true
	}
	for _, v := range []struct{ name, public, private string }{
		{"audience", "public", "private"}, {"visibility", "open", "internal"}, {"public", "true", "false"},
	} {
		switch strings.ToLower(q.Get(v.name)) {
		case "":
		case v.public:
			f.onlyPublic = true
		case v.private:
			f.onlyPrivate = true
		default:
			empty = true
		}
	}

	start := time.Now()
	var matches []scored
	if !empty {
		p.eachAsset(func(a asset) {
			if s, ok := f.match(a); ok {
				matches = append(matches, scored{a, s})
			}
		})
	}
	sortAssets(matches, order, f.scrollID != "")
	total := len(matches)
	if f.scrollID != "" {
		offset = 0
	}
	page := []map[string]any{}
	base := baseURL(r)
	for i := offset; i < len(matches) && i < offset+limit; i++ {
		page = append(page, p.catalogResult(matches[i].a, base))
	}
	ms := time.Since(start).Milliseconds()
	writeJSON(w, http.StatusOK, map[string]any{
		"results":       page,
		"resultSetSize": total,
		"timings":       map[string]any{"serviceMillis": ms, "searchMillis": []int64{ms, 0}},
	})
}

// knownDomain reports whether a domains filter names this portal: its
// configured domain, or the host (with or without port) the request came
// to, so a client that passes its loopback address as its domain still
// finds the datasets.
func (p *Portal) knownDomain(domains []string, host string) bool {
	hostOnly, _, err := net.SplitHostPort(host)
	if err != nil {
		hostOnly = host
	}
	for _, d := range domains {
		if strings.EqualFold(d, p.domain) || strings.EqualFold(d, host) || strings.EqualFold(d, hostOnly) {
			return true
		}
	}
	return false
}

func set(vals []string, fold bool) map[string]bool {
	if len(vals) == 0 {
		return nil
	}
	m := map[string]bool{}
	for _, v := range vals {
		if fold {
			v = strings.ToLower(v)
		}
		m[v] = true
	}
	return m
}

type catalogFilter struct {
	types                                     map[string]bool
	ids, names, categories, tags, columnNames map[string]bool
	attribution                               []string
	forUser, sharedTo                         []string
	words                                     []string
	scrollID                                  string
	onlyPublic, onlyPrivate                   bool
	user                                      *user
}

type scored struct {
	a     asset
	score int
}

// match applies the filters (ANDed; values of one filter ORed) and the
// visibility rules, and scores the asset for relevance.
func (f *catalogFilter) match(a asset) (int, bool) {
	if a.private && !f.user.canEdit(a.owner, a.shared) {
		return 0, false
	}
	if f.onlyPublic && a.private || f.onlyPrivate && !a.private {
		return 0, false
	}
	typ := assetType(a.viewType)
	if len(f.types) > 0 && !f.types[typ] {
		return 0, false
	}
	if f.ids != nil && !f.ids[a.id] {
		return 0, false
	}
	if f.names != nil && !f.names[strings.ToLower(a.name)] {
		return 0, false
	}
	if f.categories != nil && !f.categories[strings.ToLower(a.category)] {
		return 0, false
	}
	if f.tags != nil && !anyIn(f.tags, a.tags) {
		return 0, false
	}
	if f.columnNames != nil {
		var names []string
		for _, c := range a.cols {
			names = append(names, c.Name, c.FieldName)
		}
		if !anyIn(f.columnNames, names) {
			return 0, false
		}
	}
	if len(f.attribution) > 0 && !slices.Contains(f.attribution, a.attribution) {
		return 0, false
	}
	if len(f.forUser) > 0 && !slices.Contains(f.forUser, a.owner.id()) {
		return 0, false
	}
	if len(f.sharedTo) > 0 {
		ok := false
		for _, id := range f.sharedTo {
			if a.shared[id] && a.owner.id() != id {
				ok = true
			}
		}
		if !ok {
			return 0, false
		}
	}
	if f.scrollID != "" && a.id <= f.scrollID {
		return 0, false
	}
	score := 0
	if len(f.words) > 0 {
		name := strings.ToLower(a.name)
		var rest strings.Builder
		for _, s := range []string{a.description, a.category, a.attribution, strings.Join(a.tags, " ")} {
			rest.WriteString(strings.ToLower(s))
			rest.WriteByte(' ')
		}
		for _, c := range a.cols {
			rest.WriteString(strings.ToLower(c.Name + " " + c.FieldName + " " + c.Description + " "))
		}
		others := rest.String()
		for _, w := range f.words {
			switch {
			case strings.Contains(name, w):
				score += 3
			case strings.Contains(others, w):
				score++
			default:
				return 0, false
			}
		}
	}
	return score, true
}

func anyIn(want map[string]bool, have []string) bool {
	for _, h := range have {
		if want[strings.ToLower(h)] {
			return true
		}
	}
	return false
}

func sortAssets(m []scored, o catalogOrder, byID bool) {
	compare := func(a, b scored) int {
		switch o.field {
		case "name":
			return strings.Compare(strings.ToLower(a.a.name), strings.ToLower(b.a.name))
		case "owner":
			return strings.Compare(a.a.owner.spec.DisplayName, b.a.owner.spec.DisplayName)
		case "dataset_id":
			return strings.Compare(a.a.id, b.a.id)
		case "datatype":
			return strings.Compare(assetType(a.a.viewType), assetType(b.a.viewType))
		case "domain_category":
			return strings.Compare(a.a.category, b.a.category)
		case "createdAt":
			return a.a.createdAt.Compare(b.a.createdAt)
		case "updatedAt":
			return a.a.updatedAt.Compare(b.a.updatedAt)
		case "page_views_total", "page_views_last_month", "page_views_last_week":
			return pageViews(a.a.id, o.field) - pageViews(b.a.id, o.field)
		}
		if a.score != b.score {
			return a.score - b.score
		}
		return a.a.updatedAt.Compare(b.a.updatedAt)
	}
	sort.SliceStable(m, func(i, j int) bool {
		if byID {
			return m[i].a.id < m[j].a.id
		}
		c := compare(m[i], m[j])
		if c == 0 {
			return m[i].a.id < m[j].a.id
		}
		if o.desc {
			return c > 0
		}
		return c < 0
	})
}

// pageViews makes up stable view counts from an asset id.
func pageViews(id, which string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	n := int(h.Sum32() % 5000)
	switch which {
	case "page_views_last_week":
		return n % 40
	case "page_views_last_month":
		return n % 160
	}
	return n
}

// eachAsset calls fn for every asset, added and generated. It holds the
// read lock while it runs, so fn must not call back into the portal.
func (p *Portal) eachAsset(fn func(asset)) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	for _, id := range p.order {
		fn(assetOf(p.datasets[id]))
	}
	if p.gen != nil {
		p.gen.each(func(id string, spec func() DatasetSpec) {
			if d, ok := p.datasets[id]; ok {
				fn(assetOf(d)) // materialised: rows may have changed it
				return
			}
			s := spec()
			fn(asset{
				id: s.ID, name: s.Name, description: s.Description, category: s.Category,
				attribution: s.Attribution, viewType: "tabular", tags: s.Tags,
				owner: p.users[s.Owner], createdAt: s.CreatedAt, updatedAt: s.UpdatedAt, cols: s.Columns,
			})
		})
	}
}

func (p *Portal) catalogResult(a asset, base string) map[string]any {
	var fields, names, descs, types []string
	formats := []map[string]string{}
	for _, c := range a.cols {
		fields = append(fields, c.FieldName)
		names = append(names, c.Name)
		descs = append(descs, c.Description)
		types = append(types, catalogTypeLabel(c.Type))
		formats = append(formats, formatOrEmpty(c.Format))
	}
	typ := assetType(a.viewType)
	link := base + "/" + slug(a.category) + "/" + slug(a.name) + "/" + a.id
	if a.category == "" {
		link = base + "/dataset/" + slug(a.name) + "/" + a.id
	}
	if typ == "story" {
		link = base + "/stories/s/" + a.id
	}
	// The catalog writes milliseconds, where DSMAPI's ts writes microseconds.
	stamp := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
	return map[string]any{
		"resource": map[string]any{
			"id": a.id, "name": a.name, "description": a.description, "attribution": a.attribution,
			"type": typ, "updatedAt": stamp(a.updatedAt), "createdAt": stamp(a.createdAt),
			"metadata_updated_at": stamp(a.updatedAt), "data_updated_at": stamp(a.updatedAt),
			"page_views": map[string]int{
				"page_views_last_week":  pageViews(a.id, "page_views_last_week"),
				"page_views_last_month": pageViews(a.id, "page_views_last_month"),
				"page_views_total":      pageViews(a.id, "page_views_total"),
			},
			"download_count":      pageViews(a.id, "") / 7,
			"provenance":          "official",
			"parent_fxf":          []string{},
			"lens_view_type":      a.viewType,
			"columns_field_name":  nonNil(fields),
			"columns_name":        nonNil(names),
			"columns_description": nonNil(descs),
			"columns_datatype":    nonNil(types),
			"columns_format":      formats,
		},
		"classification": map[string]any{
			"categories": []string{}, "tags": []string{},
			"domain_category": a.category, "domain_tags": nonNil(a.tags), "domain_metadata": []any{},
		},
		"metadata":       map[string]any{"domain": p.domain, "license": "Public Domain"},
		"permalink":      base + "/d/" + a.id,
		"link":           link,
		"owner":          map[string]any{"id": a.owner.id(), "user_type": "interactive", "display_name": a.owner.spec.DisplayName},
		"creator":        map[string]any{"id": a.owner.id(), "user_type": "interactive", "display_name": a.owner.spec.DisplayName},
		"published_copy": nil,
	}
}

// nonNil makes a missing list an empty one, which JSON writes as [] rather
// than null, as the portal does.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// slug makes the readable part of a dataset link: words joined by
// hyphens.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}
