package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
)

// datasetStep lets the user find the dataset to update: a searchable,
// lazily paged list of the datasets they own or that are shared to them,
// a detail pane with the schema and a few rows, and direct entry of an id
// or a dataset link.
type datasetStep struct {
	deps   Deps
	st     *Styles
	keys   datasetKeys
	client *socrata.Client
	user   *socrata.User
	domain socrata.Domain

	search  textinput.Model
	spin    spinner.Model
	order   wizard.SortOrder
	list    *wizard.DatasetList
	seq     int // numbers searches, so replies to older ones are dropped
	listErr error

	cursor, top int

	// direct is the dataset id typed or pasted into the search box.
	direct socrata.DatasetID

	detail       *socrata.Dataset
	detailRows   []socrata.Row
	detailCount  int64 // rows in the dataset, or -1 when unknown
	detailErr    error
	detailSeq    int
	detailLoad   bool
	detailOpen   bool
	detailScroll int
	confirmRO    bool // enter was pressed once on a dataset the user cannot update

	chosen *socrata.Dataset
	done   bool

	width, height int
}

func newDatasetStep(deps Deps, d wizard.Draft) *datasetStep {
	s := &datasetStep{
		deps:   deps,
		st:     deps.Styles,
		keys:   newDatasetKeys(),
		client: d.Client,
		user:   d.User,
		domain: d.Domain,
		spin:   spinner.New(spinner.WithSpinner(spinner.MiniDot)),
	}
	s.search = deps.newInput("type part of a name, or paste a dataset id or link")
	s.search.Prompt = "Search: "
	s.search.PromptStyle = s.st.Label
	s.search.Focus()
	if d.Dataset != nil {
		s.chosen = d.Dataset
	}
	return s
}

// Init loads the first page of the user's datasets.
func (s *datasetStep) Init() tea.Cmd {
	return tea.Batch(textinput.Blink, s.spin.Tick, s.startSearch())
}

// startSearch begins a new list for what is in the search box.
func (s *datasetStep) startSearch() tea.Cmd {
	s.seq++
	s.listErr = nil
	s.cursor, s.top = 0, 0
	q := strings.TrimSpace(s.search.Value())
	s.direct = ""
	if q != "" {
		if dom, id, err := socrata.ParseDatasetRef(q); err == nil {
			s.direct = id
			s.list = nil
			if dom != "" && !sameDomain(dom, s.domain) {
				s.listErr = fmt.Errorf("that link is for %s, but you are signed in to %s: sign in to that portal first", dom.Host(), s.domain.Host())
				return nil
			}
			return s.openDetail(id)
		}
	}
	s.list = wizard.NewDatasetList(s.userID(), q, s.order, s.pageSize())
	return s.fetchMore()
}

func (s *datasetStep) userID() string {
	if s.user == nil {
		return ""
	}
	return s.user.ID
}

// pageSize fetches a little more than a screen at a time.
func (s *datasetStep) pageSize() int { return max(50, 2*s.listHeight()) }

// fetchMore asks for the pages needed to fill the screen past the cursor.
func (s *datasetStep) fetchMore() tea.Cmd {
	if s.list == nil {
		return nil
	}
	var cmds []tea.Cmd
	for _, r := range s.list.Requests(s.cursor + 2*s.listHeight()) {
		cmds = append(cmds, fetchCatalogPage(s.deps.Ctx, s.client, s.seq, r))
	}
	return tea.Batch(cmds...)
}

func (s *datasetStep) openDetail(id socrata.DatasetID) tea.Cmd {
	s.detailSeq++
	s.confirmRO = false
	s.detailOpen = true
	s.detailLoad = true
	s.detail, s.detailRows, s.detailErr = nil, nil, nil
	s.detailScroll = 0
	return fetchDatasetDetail(s.deps.Ctx, s.client, s.detailSeq, id)
}

// Update handles keys and the replies of the catalog and dataset calls.
func (s *datasetStep) Update(msg tea.Msg) (step, tea.Cmd) {
	switch msg := msg.(type) {
	case spinner.TickMsg:
		var cmd tea.Cmd
		s.spin, cmd = s.spin.Update(msg)
		return s, cmd
	case searchTickMsg:
		if msg.seq != s.seq {
			return s, nil
		}
		return s, s.startSearch()
	case catalogPageMsg:
		if msg.seq != s.seq || s.list == nil {
			return s, nil
		}
		if msg.err != nil {
			s.list.Add(msg.source, msg.offset, nil)
			s.listErr = msg.err
			return s, nil
		}
		s.list.Add(msg.source, msg.offset, msg.page)
		return s, s.fetchMore()
	case datasetDetailMsg:
		if msg.seq != s.detailSeq {
			return s, nil
		}
		s.detailLoad = false
		s.detail, s.detailRows, s.detailCount, s.detailErr = msg.dataset, msg.rows, msg.count, msg.err
		return s, nil
	case tea.KeyMsg:
		if s.detailOpen {
			return s.updateDetail(msg)
		}
		return s.updateList(msg)
	}
	return s, nil
}

func (s *datasetStep) updateList(msg tea.KeyMsg) (step, tea.Cmd) {
	n := 0
	if s.list != nil {
		n = len(s.list.Visible())
	}
	switch {
	case matches(msg, keyBack):
		if s.search.Value() != "" {
			s.search.SetValue("")
			return s, s.startSearch()
		}
		return s, goBack
	case matches(msg, s.keys.Up):
		s.move(-1, n)
	case matches(msg, s.keys.Down):
		s.move(1, n)
	case matches(msg, s.keys.PageUp):
		s.move(-s.listHeight(), n)
	case matches(msg, s.keys.PageDown):
		s.move(s.listHeight(), n)
	case matches(msg, s.keys.Home):
		s.move(-n, n)
	case matches(msg, s.keys.End):
		s.move(n, n)
	case matches(msg, s.keys.Sort):
		if s.order == wizard.SortUpdated {
			s.order = wizard.SortName
		} else {
			s.order = wizard.SortUpdated
		}
		return s, s.startSearch()
	case matches(msg, s.keys.Retry):
		return s, s.startSearch()
	case matches(msg, s.keys.Clear):
		s.search.SetValue("")
		return s, s.startSearch()
	case matches(msg, s.keys.Open):
		if s.direct != "" {
			return s, s.openDetail(s.direct)
		}
		if n > 0 {
			return s, s.openDetail(s.list.Visible()[s.cursor].ID)
		}
		return s, nil
	default:
		before := s.search.Value()
		var cmd tea.Cmd
		s.search, cmd = s.search.Update(msg)
		if s.search.Value() != before {
			s.seq++
			return s, tea.Batch(cmd, debounceSearch(s.deps.Debounce, s.seq))
		}
		return s, cmd
	}
	return s, s.fetchMore()
}

// move shifts the cursor by delta rows and scrolls to keep it in view.
func (s *datasetStep) move(delta, n int) {
	if n == 0 {
		return
	}
	s.cursor = min(max(s.cursor+delta, 0), n-1)
	h := s.listHeight()
	if s.cursor < s.top {
		s.top = s.cursor
	}
	if s.cursor >= s.top+h {
		s.top = s.cursor - h + 1
	}
}

func (s *datasetStep) updateDetail(msg tea.KeyMsg) (step, tea.Cmd) {
	switch {
	case matches(msg, keyBack):
		s.detailOpen = false
		s.detailSeq++ // drop a reply still on its way
		if s.direct != "" && s.list == nil {
			// The detail came from a pasted id: back to an empty search.
			s.search.SetValue("")
			return s, s.startSearch()
		}
		return s, nil
	case matches(msg, s.keys.Up):
		s.detailScroll = max(s.detailScroll-1, 0)
	case matches(msg, s.keys.Down):
		s.detailScroll++
	case matches(msg, s.keys.Retry):
		if s.detail == nil && !s.detailLoad {
			id := s.direct
			if id == "" && s.list != nil && len(s.list.Visible()) > 0 {
				id = s.list.Visible()[s.cursor].ID
			}
			return s, s.openDetail(id)
		}
	case matches(msg, s.keys.Pick):
		switch {
		case s.detail == nil || !s.detail.Tabular():
		case !s.detail.CanWrite() && !s.confirmRO:
			// Warn before mapping: the upload would be refused.
			s.confirmRO = true
		default:
			s.chosen = s.detail
			s.done = true
		}
	}
	return s, nil
}

// listHeight is how many dataset rows fit on the screen.
func (s *datasetStep) listHeight() int { return max(s.height-4, 3) }

// SetSize gives the step its space.
func (s *datasetStep) SetSize(w, h int) {
	s.width, s.height = w, h
	s.search.Width = max(w-lipgloss.Width(s.search.Prompt)-2, 10)
}

// Done reports that a dataset was picked.
func (s *datasetStep) Done() bool { return s.done }

// Apply records the chosen dataset.
func (s *datasetStep) Apply(d *wizard.Draft) {
	s.done = false
	d.Dataset = s.chosen
}

// Summary names the chosen dataset.
func (s *datasetStep) Summary() string {
	if s.chosen == nil {
		return ""
	}
	return fmt.Sprintf("Dataset: %s (%s)", s.chosen.Name, s.chosen.ID)
}

// Typing is true while the list is shown: the search box has the focus.
func (s *datasetStep) Typing() bool { return !s.detailOpen }

// ShortHelp lists the keys that work on the current screen.
func (s *datasetStep) ShortHelp() []key.Binding {
	if s.detailOpen {
		b := []key.Binding{s.keys.Up}
		if s.detail != nil && s.detail.Tabular() {
			b = append(b, s.keys.Pick)
		}
		if s.detailErr != nil {
			b = append(b, s.keys.Retry)
		}
		return b
	}
	b := []key.Binding{s.keys.Up, s.keys.Open, s.keys.Sort}
	if s.listErr != nil {
		b = append(b, s.keys.Retry)
	}
	return b
}

// FullHelp lists every key of the step.
func (s *datasetStep) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{s.keys.Up, s.keys.PageUp, s.keys.Home},
		{s.keys.Open, s.keys.Sort, s.keys.Clear, s.keys.Retry},
	}
}

// View draws the list or the detail pane.
func (s *datasetStep) View() string {
	if s.detailOpen {
		return s.detailView()
	}
	return s.listView()
}

func (s *datasetStep) listView() string {
	var b strings.Builder
	b.WriteString(s.search.View())
	b.WriteString("\n")

	status := ""
	switch {
	case s.listErr != nil:
		status = s.st.Bad.Render(wrap(wizard.Explain(s.listErr), s.width))
	case s.list == nil:
	case !s.list.Fetched():
		status = s.spin.View() + s.st.Muted.Render(" Loading your datasets…")
	default:
		status = s.st.Muted.Render(s.list.Describe() + " · sorted by " + s.order.String())
		if s.list.Loading() {
			status += " " + s.spin.View()
		}
	}
	b.WriteString(status + "\n\n")

	cols := datasetColumns(s.width)
	b.WriteString(s.st.Header.Render(cols.row("Name", "ID", "Updated", "Cols", "Access")))
	b.WriteString("\n")

	if s.list == nil || !s.list.Fetched() {
		return b.String()
	}
	items := s.list.Visible()
	if len(items) == 0 && s.list.Complete() {
		b.WriteString(s.emptyView())
		return b.String()
	}
	h := s.listHeight()
	for i := s.top; i < len(items) && i < s.top+h; i++ {
		e := items[i]
		line := cols.row(e.Name, string(e.ID), shortDate(e.UpdatedAt), fmt.Sprint(len(e.ColumnFieldNames)), e.Source.String())
		if i == s.cursor {
			line = s.st.Selected.Render(line)
		}
		b.WriteString(line + "\n")
	}
	if s.list.Capped() && s.top+h >= len(items) {
		b.WriteString(s.st.Warn.Render("The portal lists at most 10,000 results: type a few letters to narrow the search.") + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func (s *datasetStep) emptyView() string {
	if q := strings.TrimSpace(s.search.Value()); q != "" {
		return s.st.Muted.Render(wrap(fmt.Sprintf(
			"No dataset you can edit matches %q. Try fewer letters, or paste the dataset's id (abcd-1234) or its link.", q), s.width))
	}
	return s.st.Muted.Render(wrap(fmt.Sprintf(
		"You own no datasets on %s and none are shared to you. Ask a dataset's owner to share it with you with edit rights, or paste its id or link to look at it.",
		s.domain), s.width))
}

func (s *datasetStep) detailView() string {
	if s.detailLoad {
		return s.spin.View() + s.st.Muted.Render(" Loading the dataset's columns and a few rows…")
	}
	if s.detailErr != nil {
		return s.st.ErrorBox.Render(s.st.Bad.Render("Could not open this dataset") + "\n\n" +
			wrap(wizard.Explain(s.detailErr), max(s.width-4, 10)))
	}
	lines := datasetDetailLines(s.st, s.detail, s.detailRows, s.detailCount, s.userID(), s.width)
	if s.confirmRO {
		warn := s.st.Warn.Render(wrap("You cannot update this dataset, so an upload to it will be refused. Press enter again to use it anyway (to check a file against it), or esc to pick another.", s.width))
		lines = append(append(strings.Split(warn, "\n"), ""), lines...)
	}
	s.detailScroll = min(s.detailScroll, max(len(lines)-s.height, 0))
	end := min(len(lines), s.detailScroll+s.height)
	shown := slices.Clone(lines[s.detailScroll:end])
	if end < len(lines) && len(shown) > 1 {
		shown[len(shown)-1] = s.st.Muted.Render(fmt.Sprintf("↓ %d more lines (↑/↓ to scroll)", len(lines)-end+1))
	}
	return strings.Join(shown, "\n")
}

// datasetDetailLines renders a dataset's facts, columns and sample rows.
func datasetDetailLines(st *Styles, ds *socrata.Dataset, rows []socrata.Row, count int64, userID string, width int) []string {
	var out []string
	add := func(s string) { out = append(out, strings.Split(s, "\n")...) }

	add(st.Title.Render(truncate(ds.Name, width)))
	owner := "owned by " + ds.OwnerName
	if ds.OwnerID != "" && ds.OwnerID == userID {
		owner = "owned by you"
	}
	facts := fmt.Sprintf("%s · %s · updated %s", ds.ID, owner, shortDate(ds.RowsUpdatedAt))
	if count >= 0 {
		facts += " · " + wizard.Count(count) + " " + wizard.Plural(count, "row", "rows")
	}
	add(st.Muted.Render(truncate(facts, width)))
	if ds.Link != "" {
		add(st.Muted.Render(truncate(ds.Link, width)))
	}
	if desc := strings.TrimSpace(ds.Description); desc != "" {
		add(wrap(desc, width))
	}
	add("")
	switch {
	case !ds.Tabular():
		add(st.Bad.Render(wrap(fmt.Sprintf("This is a %s, not a dataset with rows, so it cannot take an upload. Pick a dataset instead.", ds.ViewType), width)))
	case !ds.CanWrite():
		add(st.Warn.Render(wrap("You can see this dataset but not update it. Ask its owner to share it with you with edit rights, or pick another one.", width)))
	}
	rowID := ds.RowIdentifier
	if rowID == "" {
		rowID = "none (uploads add rows; replace works, upsert by key and delete do not)"
	}
	add(wrap(fmt.Sprintf("Row identifier: %s", rowID), width))
	add("")
	add(st.Title.Render(fmt.Sprintf("Columns (%d)", len(ds.Columns))))
	nameW := min(max(width*2/5, 12), 40)
	fieldW := min(max(width*3/10, 10), 30)
	add(st.Header.Render(padRight("Display name", nameW) + " " + padRight("Field name", fieldW) + " Type"))
	for _, c := range ds.Columns {
		name := c.Name
		if c.FieldName == ds.RowIdentifier {
			name += " ★"
		}
		add(padRight(name, nameW) + " " + padRight(c.FieldName, fieldW) + " " + truncate(c.Type.Label(), max(width-nameW-fieldW-2, 4)))
	}
	if len(rows) > 0 {
		add("")
		add(st.Title.Render("First rows"))
		out = append(out, sampleTable(st, ds.Columns, rows, width)...)
	}
	return out
}

// sampleTable lays a few rows out under their field names, as many
// columns as fit the width.
func sampleTable(st *Styles, cols []socrata.Column, rows []socrata.Row, width int) []string {
	const cellW = 16
	n := max(min(len(cols), (width+1)/(cellW+1)), 1)
	var head []string
	for _, c := range cols[:min(n, len(cols))] {
		head = append(head, padRight(c.FieldName, cellW))
	}
	out := []string{st.Header.Render(strings.Join(head, " "))}
	for _, r := range rows {
		var cells []string
		for _, c := range cols[:min(n, len(cols))] {
			cells = append(cells, padRight(cellText(r[c.FieldName]), cellW))
		}
		out = append(out, strings.Join(cells, " "))
	}
	return out
}

// cellText shows a SODA value in one short line.
func cellText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return strings.ReplaceAll(v, "\n", " ")
	case map[string]any:
		if coords, ok := v["coordinates"].([]any); ok && len(coords) == 2 {
			return fmt.Sprintf("POINT (%v %v)", coords[0], coords[1])
		}
		if u, ok := v["url"].(string); ok {
			return u
		}
	}
	return fmt.Sprint(v)
}

// datasetCols sizes the list's columns to the width.
type datasetCols struct{ name, id, updated, cols, access int }

func datasetColumns(width int) datasetCols {
	c := datasetCols{id: 9, updated: 10, cols: 4, access: 6}
	c.name = max(width-c.id-c.updated-c.cols-c.access-4, 10)
	return c
}

func (c datasetCols) row(name, id, updated, cols, access string) string {
	return padRight(name, c.name) + " " + padRight(id, c.id) + " " + padRight(updated, c.updated) + " " +
		fmt.Sprintf("%*s", c.cols, truncate(cols, c.cols)) + " " + padRight(access, c.access)
}

func sameDomain(a, b socrata.Domain) bool { return strings.EqualFold(string(a), string(b)) }
