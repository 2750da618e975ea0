package wizard

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard/internal/wording"
)

// SortOrder is how the dataset list is ordered.
type SortOrder int

const (
	// SortUpdated lists the most recently updated datasets first.
	SortUpdated SortOrder = iota
	// SortName lists datasets by name, A to Z.
	SortName
)

// String names the order as the dataset screen shows it.
func (o SortOrder) String() string {
	if o == SortName {
		return "name"
	}
	return "last updated"
}

// catalogOrder is the order parameter the catalog API takes.
func (o SortOrder) catalogOrder() string {
	if o == SortName {
		return "name"
	}
	return "updatedAt DESC"
}

// Source says where a listed dataset came from.
type Source int

const (
	// Owned datasets belong to the signed-in user.
	Owned Source = iota
	// Shared datasets belong to someone else and are shared to the user.
	Shared
)

// String is "owned" or "shared".
func (s Source) String() string {
	if s == Shared {
		return "shared"
	}
	return "owned"
}

// ListedDataset is one row of the dataset list.
type ListedDataset struct {
	socrata.CatalogEntry
	Source Source
}

// PageRequest is a catalog page the list needs next.
type PageRequest struct {
	Source Source
	Query  socrata.CatalogQuery
}

// DatasetList merges the two catalog queries that together give "every
// dataset I can edit": the ones the user owns and the ones shared to them.
// The catalog cannot do this in one query (its filters intersect), so the
// list pages through both, each in the same order, and shows only as far
// as both are known: an entry is shown once nothing still unfetched from
// the other query could sort before it.
type DatasetList struct {
	userID string
	query  string
	order  SortOrder
	pageN  int
	stream [2]catalogStream
	merged []ListedDataset
}

type catalogStream struct {
	items   []socrata.CatalogEntry
	total   int
	fetched bool // the first page has arrived
	pending bool // a page request is out
	capped  bool // the catalog's 10,000-result window was reached
}

// more reports whether the stream has results not yet fetched.
func (s *catalogStream) more() bool {
	return !s.fetched || (len(s.items) < s.total && !s.capped)
}

// NewDatasetList starts an empty list for the user's datasets matching
// query, in the given order, fetched pageSize entries at a time.
func NewDatasetList(userID, query string, order SortOrder, pageSize int) *DatasetList {
	if pageSize <= 0 {
		pageSize = 50
	}
	return &DatasetList{userID: userID, query: strings.TrimSpace(query), order: order, pageN: pageSize}
}

// Requests returns the pages to fetch so that at least want entries can be
// shown, and marks them as asked for. It returns nothing while the needed
// pages are already on their way.
func (l *DatasetList) Requests(want int) []PageRequest {
	if len(l.merged) >= want {
		return nil
	}
	var reqs []PageRequest
	for i := range l.stream {
		s := &l.stream[i]
		if s.pending || !s.more() {
			continue
		}
		// A stream whose fetched entries are not yet all shown has no
		// reason to fetch more.
		if s.fetched && l.unshown(Source(i)) > 0 {
			continue
		}
		q := socrata.CatalogQuery{
			Query:  l.query,
			Order:  l.order.catalogOrder(),
			Offset: len(s.items),
			Limit:  l.pageN,
		}
		if rest := socrata.CatalogWindow - q.Offset; q.Limit > rest {
			q.Limit = rest
		}
		if q.Limit <= 0 {
			s.capped = true
			continue
		}
		if Source(i) == Owned {
			q.ForUser = l.userID
		} else {
			q.SharedTo = l.userID
		}
		s.pending = true
		reqs = append(reqs, PageRequest{Source: Source(i), Query: q})
	}
	return reqs
}

// Add records a page that arrived for a request from Requests. A failed
// request is recorded with a nil page so it can be asked for again.
func (l *DatasetList) Add(src Source, offset int, page *socrata.CatalogPage) {
	s := &l.stream[src]
	s.pending = false
	if page == nil || offset != len(s.items) {
		return
	}
	s.fetched = true
	s.total = page.Total
	s.items = append(s.items, page.Results...)
	if len(page.Results) == 0 {
		// The catalog said there were more, then gave none: believe the
		// page, or the list would ask for it forever.
		s.total = len(s.items)
	}
	if len(s.items) >= socrata.CatalogWindow {
		s.capped = true
	}
	l.merge()
}

// Loading reports whether a page is on its way.
func (l *DatasetList) Loading() bool { return l.stream[0].pending || l.stream[1].pending }

// Fetched reports whether both first pages have arrived.
func (l *DatasetList) Fetched() bool { return l.stream[0].fetched && l.stream[1].fetched }

// Visible is the merged list, as far as it is known.
func (l *DatasetList) Visible() []ListedDataset { return l.merged }

// total is how many datasets match in all, owned and shared.
func (l *DatasetList) total() int { return l.stream[0].total + l.stream[1].total }

// Capped reports whether the list stops at the catalog's 10,000-result
// window, so that the user should narrow the search.
func (l *DatasetList) Capped() bool {
	return (l.stream[0].capped && len(l.stream[0].items) < l.stream[0].total) ||
		(l.stream[1].capped && len(l.stream[1].items) < l.stream[1].total)
}

// Complete reports whether every matching dataset is in Visible.
func (l *DatasetList) Complete() bool {
	return l.Fetched() && !l.stream[0].more() && !l.stream[1].more() && !l.Capped()
}

func (l *DatasetList) unshown(src Source) int {
	n := 0
	for _, d := range l.merged {
		if d.Source == src {
			n++
		}
	}
	return len(l.stream[src].items) - n
}

// merge rebuilds the visible list: both streams' entries in order, cut
// where an unfetched entry of a stream that has more could still come.
func (l *DatasetList) merge() {
	all := make([]ListedDataset, 0, len(l.stream[0].items)+len(l.stream[1].items))
	for i := range l.stream {
		for _, e := range l.stream[i].items {
			all = append(all, ListedDataset{CatalogEntry: e, Source: Source(i)})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return l.less(all[i], all[j]) })
	cut := len(all)
	for i := range l.stream {
		s := &l.stream[i]
		if !s.more() {
			continue
		}
		if !s.fetched {
			cut = 0
			break
		}
		last := ListedDataset{CatalogEntry: s.items[len(s.items)-1], Source: Source(i)}
		// Everything after this stream's last fetched entry waits for its
		// next page.
		k := sort.Search(len(all), func(j int) bool { return l.less(last, all[j]) })
		cut = min(cut, k)
	}
	l.merged = all[:cut]
}

// less orders entries the way the catalog does, with the id as a tie
// breaker so the order is total.
func (l *DatasetList) less(a, b ListedDataset) bool {
	switch l.order {
	case SortName:
		an, bn := strings.ToLower(a.Name), strings.ToLower(b.Name)
		if an != bn {
			return an < bn
		}
	default:
		if !a.UpdatedAt.Equal(b.UpdatedAt) {
			return a.UpdatedAt.After(b.UpdatedAt)
		}
	}
	return a.ID < b.ID
}

// Describe says in a few words what the list holds, such as "12 of 31
// datasets you can edit" or "3 matches for \"parks\"".
func (l *DatasetList) Describe() string {
	if !l.Fetched() {
		return "loading…"
	}
	total, shown := l.total(), len(l.merged)
	var what string
	switch {
	case l.query == "" && total == 1:
		what = "1 dataset you can edit"
	case l.query == "":
		what = wording.Count(int64(total)) + " datasets you can edit"
	case total == 0:
		return fmt.Sprintf("no matches for %q", l.query)
	case total == 1:
		what = fmt.Sprintf("1 match for %q", l.query)
	default:
		what = fmt.Sprintf("%s matches for %q", wording.Count(int64(total)), l.query)
	}
	if shown < total && !l.Complete() {
		return fmt.Sprintf("%s of %s", wording.Count(int64(shown)), what)
	}
	return what
}

// Which selects the datasets ListDatasets returns.
type Which int

const (
	// AllEditable is the user's own datasets and those shared to them.
	AllEditable Which = iota
	// OnlyOwned is the user's own datasets.
	OnlyOwned
	// OnlyShared is the datasets shared to the user.
	OnlyShared
)

// lister is the part of the portal client ListDatasets needs.
type lister interface {
	Search(ctx context.Context, q socrata.CatalogQuery) (*socrata.CatalogPage, error)
}

// DatasetListing is the result of ListDatasets.
type DatasetListing struct {
	Datasets []ListedDataset
	// Total is how many match in all; it exceeds len(Datasets) when the
	// catalog's 10,000-result window cut the list short.
	Total int
}

// ListDatasets pages through every dataset the user can edit (or the
// owned or shared half of them) that matches query, sorted by name.
func ListDatasets(ctx context.Context, c lister, userID, query string, which Which) (*DatasetListing, error) {
	l := NewDatasetList(userID, query, SortName, 1000)
	for {
		reqs := l.Requests(1 << 30)
		if len(reqs) == 0 {
			break
		}
		for _, r := range reqs {
			if (which == OnlyOwned && r.Source == Shared) || (which == OnlyShared && r.Source == Owned) {
				l.Add(r.Source, r.Query.Offset, &socrata.CatalogPage{})
				continue
			}
			page, err := c.Search(ctx, r.Query)
			if err != nil {
				return nil, fmt.Errorf("list datasets: %w", err)
			}
			l.Add(r.Source, r.Query.Offset, page)
		}
	}
	return &DatasetListing{Datasets: l.Visible(), Total: l.total()}, nil
}

// WriteDatasetsText writes a listing as an aligned table for people and
// for grep: id, last update, owned or shared, name.
func WriteDatasetsText(w io.Writer, l *DatasetListing) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUPDATED\tACCESS\tCOLUMNS\tNAME")
	for _, d := range l.Datasets {
		updated := ""
		if !d.UpdatedAt.IsZero() {
			updated = d.UpdatedAt.UTC().Format("2006-01-02")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", d.ID, updated, d.Source, len(d.ColumnFieldNames), d.Name)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if l.Total > len(l.Datasets) {
		_, err := fmt.Fprintf(w, "(%s of %s shown: the catalog lists at most 10,000; use --search to narrow it)\n", wording.Count(int64(len(l.Datasets))), wording.Count(int64(l.Total)))
		return err
	}
	return nil
}

// datasetJSON is one dataset in the JSON listing.
type datasetJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Access    string    `json:"access"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	Columns   []string  `json:"columns"`
	Link      string    `json:"link,omitempty"`
}

// WriteDatasetsJSON writes a listing as one JSON object for scripts.
func WriteDatasetsJSON(w io.Writer, l *DatasetListing) error {
	out := struct {
		Total    int           `json:"total"`
		Datasets []datasetJSON `json:"datasets"`
	}{Total: l.Total, Datasets: []datasetJSON{}}
	for _, d := range l.Datasets {
		out.Datasets = append(out.Datasets, datasetJSON{
			ID: string(d.ID), Name: d.Name, Access: d.Source.String(), UpdatedAt: d.UpdatedAt,
			Columns: d.ColumnFieldNames, Link: d.Permalink,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
