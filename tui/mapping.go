package tui

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/timestamp"
)

// mappingState is what the mapping step is showing.
type mappingState int

const (
	mapFile    mappingState = iota // choosing the file
	mapOpening                     // reading the file's head
	mapTable                       // the mapping table
	mapPicker                      // choosing a field for one column
	mapZone                        // choosing the time zone of a column's times
)

// zones are offered for a column of times with a zone; the first is the
// default, Connecticut's.
var zones = []string{
	wizard.DefaultTimezone, "UTC", "America/Chicago", "America/Denver", "America/Phoenix",
	"America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu",
}

// mappingStep opens the CSV to publish and maps its columns onto the
// dataset's fields: matched automatically, then changed by the user.
type mappingStep struct {
	deps Deps
	st   *Styles
	keys mappingKeys
	spin spinner.Model
	ds   *socrata.Dataset

	state mappingState

	// The file chooser.
	path    textinput.Model
	files   []string // CSV files found near the start directory
	fileSel int      // -1: the path input; else an index into files
	fileErr error
	openSeq int // numbers the files opened, so that a late reply is dropped

	// The table.
	file    *wizard.CSVFile
	mapping *wizard.Mapping
	samples [][]string
	guesses map[int]timestamp.Guess
	method  wizard.Method
	cursor  int
	top     int
	notice  string // the answer to the last edit, such as a refusal
	warned  bool   // the warnings were shown once; c again continues

	pick int // cursor in the field picker; 0 is "ignore"

	zoneSel  int             // cursor in the zone list; len(zones) is the typed zone
	zoneText textinput.Model // a zone name of one's own

	done bool

	width, height int
}

func newMappingStep(deps Deps, d wizard.Draft) *mappingStep {
	s := &mappingStep{
		deps:    deps,
		st:      deps.Styles,
		keys:    newMappingKeys(),
		spin:    spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		ds:      d.Dataset,
		method:  d.Method,
		fileSel: -1,
	}
	s.zoneText = deps.newInput("such as Europe/Dublin")
	s.zoneText.Prompt = "Zone: "
	s.path = deps.newInput("path to a .csv or .tsv file")
	s.path.SetValue(d.FilePath)
	s.path.CursorEnd()
	s.path.Focus()
	return s
}

// Init looks for CSV files to offer.
func (s *mappingStep) Init() tea.Cmd {
	return tea.Batch(textinput.Blink, s.spin.Tick, listFiles(s.deps.FileDir, s.ds.Name))
}

// Update handles keys and the replies of the file commands.
func (s *mappingStep) Update(msg tea.Msg) (step, tea.Cmd) {
	switch msg := msg.(type) {
	case spinner.TickMsg:
		var cmd tea.Cmd
		s.spin, cmd = s.spin.Update(msg)
		return s, cmd
	case filesListedMsg:
		s.files = msg.files
		return s, nil
	case pathCompletedMsg:
		if msg.from == s.path.Value() && msg.to != "" {
			s.path.SetValue(msg.to)
			s.path.CursorEnd()
		}
		if len(msg.matches) > 1 {
			s.files = msg.matches
			s.fileSel = -1
		}
		return s, nil
	case fileOpenedMsg:
		if s.state != mapOpening || msg.seq != s.openSeq {
			return s, nil
		}
		if msg.err != nil {
			s.fileErr = msg.err
			s.state = mapFile
			return s, s.path.Focus()
		}
		s.file, s.mapping, s.samples, s.guesses = msg.file, msg.mapping, msg.samples, msg.guesses
		s.cursor, s.top, s.notice, s.warned = 0, 0, "", false
		s.state = mapTable
		return s, nil
	case tea.KeyMsg:
		switch s.state {
		case mapFile:
			return s.updateFile(msg)
		case mapOpening:
			if matches(msg, keyBack) {
				s.state = mapFile
			}
			return s, nil
		case mapTable:
			return s.updateTable(msg)
		case mapPicker:
			return s.updatePicker(msg)
		case mapZone:
			return s.updateZone(msg)
		}
	}
	return s, nil
}

func (s *mappingStep) updateFile(msg tea.KeyMsg) (step, tea.Cmd) {
	switch {
	case matches(msg, keyBack):
		if s.mapping != nil {
			// Back to the table of the file already open.
			s.state = mapTable
			s.path.Blur()
			return s, nil
		}
		return s, goBack
	case matches(msg, s.keys.OpenFile):
		p := strings.TrimSpace(s.path.Value())
		if s.fileSel >= 0 && s.fileSel < len(s.files) {
			p = s.files[s.fileSel]
		}
		if p == "" {
			s.fileErr = fmt.Errorf("type the path of the CSV file to publish, or pick one from the list")
			return s, nil
		}
		s.fileErr = nil
		s.path.SetValue(p)
		s.state = mapOpening
		s.openSeq++
		return s, openFile(s.openSeq, p, s.ds)
	case matches(msg, s.keys.Up):
		s.fileSel = max(s.fileSel-1, -1)
		s.focusPath()
		return s, nil
	case matches(msg, s.keys.Down):
		s.fileSel = min(s.fileSel+1, len(s.files)-1)
		s.focusPath()
		return s, nil
	case matches(msg, s.keys.Complete):
		return s, completePath(s.path.Value(), s.deps.FileDir)
	}
	s.fileSel = -1
	s.focusPath()
	var cmd tea.Cmd
	s.path, cmd = s.path.Update(msg)
	s.fileErr = nil
	return s, cmd
}

func (s *mappingStep) focusPath() {
	if s.fileSel < 0 {
		s.path.Focus()
	} else {
		s.path.Blur()
	}
}

func (s *mappingStep) updateTable(msg tea.KeyMsg) (step, tea.Cmd) {
	n := len(s.mapping.Columns)
	s.notice = ""
	switch {
	case matches(msg, keyBack):
		s.state = mapFile
		s.fileSel = -1
		return s, s.path.Focus()
	case matches(msg, s.keys.Up):
		s.cursor = max(s.cursor-1, 0)
	case matches(msg, s.keys.Down):
		s.cursor = min(s.cursor+1, n-1)
	case matches(msg, s.keys.Edit):
		s.state = mapPicker
		s.pick = 0
		if f := s.mapping.Columns[s.cursor].Field; f != "" {
			for i, c := range s.ds.Columns {
				if c.FieldName == f {
					s.pick = i + 1
				}
			}
		}
	case matches(msg, s.keys.Ignore):
		s.edit(s.mapping.Ignore(s.cursor))
	case matches(msg, s.keys.Restore):
		s.edit(s.mapping.Restore(s.cursor))
	case matches(msg, s.keys.Undo):
		if !s.mapping.Undo() {
			s.notice = "Nothing to undo."
		}
		s.warned = false
	case matches(msg, s.keys.Zone) && s.fixedTimes(s.cursor):
		s.openZones()
	case matches(msg, s.keys.Method):
		s.method = nextIn(wizard.Methods, s.method)
		s.warned = false
	case matches(msg, s.keys.Continue):
		s.tryContinue()
	}
	s.scroll()
	return s, nil
}

// edit shows why an edit was refused, if it was.
func (s *mappingStep) edit(err error) {
	s.warned = false
	if err != nil {
		s.notice = wizard.Explain(err)
	}
}

// tryContinue moves on when nothing blocks the upload. Warnings are shown
// once and then accepted.
func (s *mappingStep) tryContinue() {
	var errs, warns int
	for _, is := range s.mapping.Check(s.ds, s.method) {
		switch is.Severity {
		case wizard.SeverityError:
			errs++
		case wizard.SeverityWarning:
			warns++
		case wizard.SeverityInfo: // shown, never in the way
		}
	}
	switch {
	case errs > 0:
		s.notice = "Fix the problems marked ✗ first."
	case warns > 0 && !s.warned:
		s.warned = true
		s.notice = "Read the warnings marked !, then press c again to continue."
	default:
		s.done = true
	}
}

func (s *mappingStep) updatePicker(msg tea.KeyMsg) (step, tea.Cmd) {
	switch {
	case matches(msg, s.keys.Cancel):
		s.state = mapTable
	case matches(msg, s.keys.Up):
		s.pick = max(s.pick-1, 0)
	case matches(msg, s.keys.Down):
		s.pick = min(s.pick+1, len(s.ds.Columns))
	case matches(msg, s.keys.PickTarget):
		var err error
		if s.pick == 0 {
			err = s.mapping.Ignore(s.cursor)
		} else {
			err = s.mapping.SetTarget(s.cursor, s.ds.Columns[s.pick-1].FieldName)
		}
		if err != nil {
			// Stay in the picker, so the user can choose another field.
			s.notice = wizard.Explain(err)
			return s, nil
		}
		if s.pick > 0 {
			s.guesses = s.mapping.DetectFormats(s.samples)
		}
		s.notice = ""
		s.warned = false
		s.state = mapTable
	}
	return s, nil
}

// fixedTimes reports whether file column i fills a field of times with a
// zone, whose values without an offset need one.
func (s *mappingStep) fixedTimes(i int) bool {
	col, ok := s.ds.Column(s.mapping.Columns[i].Field)
	return ok && col.Type == socrata.FixedTimestamp
}

// zoneOf is the zone column i's times are read in.
func (s *mappingStep) zoneOf(i int) string {
	if tz := s.mapping.Columns[i].Timezone; tz != "" {
		return tz
	}
	return wizard.DefaultTimezone
}

func (s *mappingStep) openZones() {
	s.state = mapZone
	s.zoneSel = len(zones)
	for i, z := range zones {
		if z == s.zoneOf(s.cursor) {
			s.zoneSel = i
		}
	}
	if s.zoneSel == len(zones) {
		s.zoneText.SetValue(s.zoneOf(s.cursor))
	}
}

func (s *mappingStep) updateZone(msg tea.KeyMsg) (step, tea.Cmd) {
	typing := s.zoneSel == len(zones)
	switch {
	case matches(msg, s.keys.Cancel):
		s.state = mapTable
		return s, nil
	case matches(msg, s.keys.Up):
		s.zoneSel = max(s.zoneSel-1, 0)
	case matches(msg, s.keys.Down):
		s.zoneSel = min(s.zoneSel+1, len(zones))
	case matches(msg, s.keys.PickTarget):
		tz := strings.TrimSpace(s.zoneText.Value())
		if !typing {
			tz = zones[s.zoneSel]
		}
		if tz == wizard.DefaultTimezone {
			tz = "" // the job's default: one place to change it
		}
		if err := s.mapping.SetTimezone(s.cursor, tz); err != nil {
			s.notice = wizard.Explain(err)
			return s, nil
		}
		s.notice, s.warned = "", false
		s.state = mapTable
		return s, nil
	case typing:
		var cmd tea.Cmd
		s.zoneText, cmd = s.zoneText.Update(msg)
		return s, cmd
	}
	if s.zoneSel == len(zones) {
		return s, s.zoneText.Focus()
	}
	s.zoneText.Blur()
	return s, nil
}

func (s *mappingStep) zoneView() string {
	c := s.mapping.Columns[s.cursor]
	var b strings.Builder
	b.WriteString(s.st.Title.Render(truncate(fmt.Sprintf("Which time zone are the times in %q written in?", c.Source), s.width)) + "\n")
	b.WriteString(s.st.Muted.Render(wrap("The field stores a moment in time. Values that carry their own offset, such as Z or +01:00, keep it; the others are read in this zone, with daylight saving time.", s.width)) + "\n\n")
	for i, z := range zones {
		line := z
		if i == 0 {
			line += s.st.Muted.Render("  (Connecticut; the default)")
		}
		if i == s.zoneSel {
			b.WriteString(s.st.Selected.Render("› "+line) + "\n")
		} else {
			b.WriteString("  " + line + "\n")
		}
	}
	prefix := "  "
	if s.zoneSel == len(zones) {
		prefix = s.st.Focused.Render("› ")
	}
	b.WriteString(prefix + s.zoneText.View())
	if s.notice != "" {
		b.WriteString("\n\n" + s.st.Warn.Render(wrap(s.notice, s.width)))
	}
	return b.String()
}

// tableRows is how many mapping rows fit: the step's height less the
// heading (4 lines), the note on the cursor row (2), a blank line, the
// issues and the notice.
func (s *mappingStep) tableRows() int {
	used := 7 + len(s.issueLines()) + len(s.mapping.Points)
	if s.notice != "" {
		used += 2
	}
	return max(s.height-used, 3)
}

func (s *mappingStep) scroll() {
	h := s.tableRows()
	if s.cursor < s.top {
		s.top = s.cursor
	}
	if s.cursor >= s.top+h {
		s.top = s.cursor - h + 1
	}
}

// SetSize gives the step its space.
func (s *mappingStep) SetSize(w, h int) {
	s.width, s.height = w, h
	s.path.Width = max(w-10, 10)
}

// Done reports that the mapping was confirmed.
func (s *mappingStep) Done() bool { return s.done }

// Apply records the file, the mapping and the method.
func (s *mappingStep) Apply(d *wizard.Draft) {
	s.done = false
	d.FilePath = s.file.Path
	d.File = s.file
	d.Mapping = s.mapping
	d.Method = s.method
}

// Summary says how much of the file is mapped.
func (s *mappingStep) Summary() string {
	if s.mapping == nil {
		return ""
	}
	mapped := 0
	for _, c := range s.mapping.Columns {
		if c.Field != "" {
			mapped++
		}
	}
	return fmt.Sprintf("Mapped %d of %d columns of %s (%s)", mapped, len(s.mapping.Columns), filepath.Base(s.file.Path), s.method)
}

// Typing is true while the path input has the focus.
func (s *mappingStep) Typing() bool {
	return (s.state == mapFile && s.fileSel < 0) || (s.state == mapZone && s.zoneSel == len(zones))
}

// ShortHelp lists the keys that work now.
func (s *mappingStep) ShortHelp() []key.Binding {
	switch s.state {
	case mapFile:
		return []key.Binding{s.keys.OpenFile, s.keys.Complete, s.keys.Up}
	case mapTable:
		b := []key.Binding{s.keys.Up, s.keys.Edit, s.keys.Ignore, s.keys.Undo, s.keys.Method}
		if s.fixedTimes(s.cursor) {
			b = append(b, s.keys.Zone)
		}
		return append(b, s.keys.Continue)
	case mapPicker, mapZone:
		return []key.Binding{s.keys.Up, s.keys.PickTarget, s.keys.Cancel}
	case mapOpening: // waiting: only the global keys
	}
	return nil
}

// FullHelp lists every key of the step.
func (s *mappingStep) FullHelp() [][]key.Binding {
	if s.state == mapTable {
		return [][]key.Binding{{s.keys.Up, s.keys.Edit, s.keys.Ignore, s.keys.Restore}, {s.keys.Undo, s.keys.Method, s.keys.Zone, s.keys.Continue}}
	}
	return [][]key.Binding{s.ShortHelp()}
}

// View draws the current state.
func (s *mappingStep) View() string {
	switch s.state {
	case mapFile:
		return s.fileView()
	case mapOpening:
		return s.fileView() + "\n\n" + s.spin.View() + " Reading " + filepath.Base(s.path.Value()) + "…"
	case mapPicker:
		return s.pickerView()
	case mapZone:
		return s.zoneView()
	case mapTable: // below
	}
	return s.tableView()
}

func (s *mappingStep) fileView() string {
	var b strings.Builder
	b.WriteString(s.st.Title.Render("Choose the file to publish") + "\n")
	b.WriteString(s.st.Muted.Render(wrap(fmt.Sprintf("A CSV or TSV file whose rows go into %s. It is read as it is; nothing is sent yet.", s.ds.Name), s.width)) + "\n\n")
	label := "File  "
	if s.fileSel < 0 {
		label = s.st.Focused.Render(label)
	}
	b.WriteString(label + s.path.View() + "\n")
	if s.fileErr != nil {
		b.WriteString("\n" + s.st.ErrorBox.Render(s.st.Bad.Render(wrap(wizard.Explain(s.fileErr), max(s.width-4, 10)))) + "\n")
	}
	if len(s.files) > 0 {
		b.WriteString("\n" + s.st.Muted.Render(truncate("Files in "+s.listDir()+":", s.width)) + "\n")
		room := max(s.height-8, 3)
		start := max(0, s.fileSel-room+1)
		for i := start; i < len(s.files) && i < start+room; i++ {
			name := truncate(s.relName(s.files[i]), s.width-2)
			if i == s.fileSel {
				b.WriteString(s.st.Selected.Render("› "+name) + "\n")
			} else {
				b.WriteString("  " + name + "\n")
			}
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// listDir is the folder the listed files are in.
func (s *mappingStep) listDir() string {
	if len(s.files) > 0 {
		return filepath.Dir(s.files[0])
	}
	return s.deps.FileDir
}

// relName shows a listed file by its name when it is in the listed
// folder, and by its whole path otherwise.
func (s *mappingStep) relName(p string) string {
	if filepath.Dir(p) == s.listDir() {
		return filepath.Base(p)
	}
	return p
}

// mapCols sizes the table's columns to the width. "Matched by" gets a
// column only on wide screens; otherwise the line under the table says it
// for the row under the cursor.
type mapCols struct{ src, field, typ, how, sample int }

func mappingColumns(width int) mapCols {
	c := mapCols{src: 20, field: 22, typ: 12}
	if width >= 110 {
		c.how = 18
	}
	if width < 70 {
		c.src, c.field, c.typ = 16, 16, 10
	}
	used := c.src + c.field + c.typ + 5
	if c.how > 0 {
		used += c.how + 1
	}
	c.sample = max(width-used, 0)
	return c
}

func (c mapCols) row(src, field, typ, how, sample string) string {
	out := padRight(src, c.src) + " → " + padRight(field, c.field) + " " + padRight(typ, c.typ)
	if c.how > 0 {
		out += " " + padRight(how, c.how)
	}
	if c.sample > 0 {
		out += " " + padRight(sample, c.sample)
	}
	return out
}

func (s *mappingStep) tableView() string {
	var b strings.Builder
	f := s.file
	desc := fmt.Sprintf("%s · %s, %s, %s", filepath.Base(f.Path), wizard.DelimiterName(f.Dialect.Delimiter),
		strings.ToUpper(f.Dialect.Encoding), headerWord(f.Dialect.Header))
	b.WriteString(s.st.Title.Render("Map the file's columns") + "  " + s.st.Muted.Render(truncate(desc, max(s.width-24, 10))) + "\n")
	b.WriteString(s.methodLine() + "\n\n")

	cols := mappingColumns(s.width)
	b.WriteString(s.st.Header.Render(cols.row("File column", "Dataset field", "Type", "Matched by", "Sample values")) + "\n")
	h := s.tableRows()
	for i := s.top; i < len(s.mapping.Columns) && i < s.top+h; i++ {
		c := s.mapping.Columns[i]
		field, typ := "(not sent)", ""
		if c.Field != "" {
			field = c.Field
			if col, ok := s.ds.Column(c.Field); ok {
				typ = col.Type.Label()
				if c.Field == s.ds.RowIdentifier {
					field += " ★"
				}
			}
		}
		line := cols.row(c.Source, field, typ, c.Describe(), strings.Join(s.sampleValues(i), ", "))
		switch {
		case i == s.cursor:
			line = s.st.Selected.Render(line)
		case c.Field == "":
			line = s.st.Muted.Render(line)
		}
		b.WriteString(line + "\n")
	}
	for _, p := range s.mapping.Points {
		b.WriteString(s.st.Muted.Render(truncate(fmt.Sprintf("  %s and %s → %s (point built from latitude and longitude)", p.Latitude, p.Longitude, p.Field), s.width)) + "\n")
	}
	b.WriteString(s.st.Muted.Render(fitHeight(wrap(s.cursorNote(), s.width), 2)) + "\n\n")
	b.WriteString(strings.Join(s.issueLines(), "\n"))
	if s.notice != "" {
		b.WriteString("\n" + s.st.Warn.Render(wrap(s.notice, s.width)))
	}
	return strings.TrimRight(b.String(), "\n")
}

func (s *mappingStep) sampleValues(i int) []string {
	if i < len(s.samples) {
		return s.samples[i]
	}
	return nil
}

// cursorNote says, for the row under the cursor, how it was matched and
// what the field is.
func (s *mappingStep) cursorNote() string {
	c := s.mapping.Columns[s.cursor]
	if c.Field == "" {
		return fmt.Sprintf("%q is not sent (%s). enter: choose a field for it.", c.Source, c.Describe())
	}
	col, _ := s.ds.Column(c.Field)
	note := fmt.Sprintf("%q fills %q (%s): matched by %s", c.Source, col.Name, c.Field, c.Describe())
	if g, ok := s.guesses[s.cursor]; ok && g.Pattern != "" {
		note += ", dates read as " + g.Pattern
	}
	if s.fixedTimes(s.cursor) {
		note += ", times without an offset read in " + s.zoneOf(s.cursor) + " (z to change)"
	}
	return note + "."
}

func headerWord(h bool) string {
	if h {
		return "header row"
	}
	return "no header row"
}

func (s *mappingStep) methodLine() string {
	var parts []string
	for _, m := range wizard.Methods {
		if m == s.method {
			parts = append(parts, s.st.Focused.Render("‹"+m.String()+"›"))
		} else {
			parts = append(parts, s.st.Muted.Render(m.String()))
		}
	}
	return "Method: " + strings.Join(parts, " ") + s.st.Muted.Render("  "+methodHelp(s.method, s.ds))
}

// methodHelp says in a few words what a method does to this dataset.
func methodHelp(m wizard.Method, ds *socrata.Dataset) string {
	switch m {
	case wizard.Upsert:
		if ds.RowIdentifier == "" {
			return "adds every row (no row identifier)"
		}
		return "updates rows by " + ds.RowIdentifier + ", adds new ones"
	case wizard.Replace:
		return "the file becomes the whole dataset"
	case wizard.Append:
		return "adds the rows"
	case wizard.Delete:
		return "deletes the rows the file lists"
	}
	return ""
}

// maxIssueLines bounds the issues shown under the table, so the table
// keeps most of the screen.
const maxIssueLines = 4

// issueLines lists what blocks or deserves a look, errors first.
func (s *mappingStep) issueLines() []string {
	var lines []string
	for _, is := range s.mapping.Check(s.ds, s.method) {
		switch is.Severity {
		case wizard.SeverityError:
			lines = append(lines, s.st.Bad.Render(truncate("✗ "+wizard.Sentence(is.Message), s.width)))
		case wizard.SeverityWarning:
			lines = append(lines, s.st.Warn.Render(truncate("! "+wizard.Sentence(is.Message), s.width)))
		case wizard.SeverityInfo: // the row's own note says it
		}
	}
	if len(lines) == 0 {
		return []string{s.st.Good.Render("✓ Ready: press c to check every value before anything is sent.")}
	}
	if len(lines) > maxIssueLines {
		more := len(lines) - maxIssueLines + 1
		lines = append(lines[:maxIssueLines-1], s.st.Muted.Render(fmt.Sprintf("… and %d more", more)))
	}
	return lines
}

func (s *mappingStep) pickerView() string {
	c := s.mapping.Columns[s.cursor]
	var b strings.Builder
	b.WriteString(s.st.Title.Render(fmt.Sprintf("Which field does %q fill?", c.Source)) + "\n")
	if s.cursor < len(s.samples) && len(s.samples[s.cursor]) > 0 {
		b.WriteString(s.st.Muted.Render(truncate("Sample values: "+strings.Join(s.samples[s.cursor], ", "), s.width)) + "\n")
	}
	b.WriteString("\n")
	taken := map[string]string{}
	for _, o := range s.mapping.Columns {
		if o.Field != "" && o.Index != c.Index {
			taken[o.Field] = o.Source
		}
	}
	nameW := min(max(s.width/3, 12), 32)
	fieldW := min(max(s.width/4, 10), 26)
	opts := []string{"(don't send this column)"}
	for _, col := range s.ds.Columns {
		line := padRight(col.Name, nameW) + " " + padRight(col.FieldName, fieldW) + " " + padRight(col.Type.Label(), 12)
		if src, ok := taken[col.FieldName]; ok {
			line += s.st.Muted.Render(" filled by " + src)
		}
		opts = append(opts, line)
	}
	room := max(s.height-6, 3)
	start := max(0, s.pick-room+1)
	for i := start; i < len(opts) && i < start+room; i++ {
		line := truncate(opts[i], s.width-2)
		if i == s.pick {
			b.WriteString(s.st.Selected.Render("› "+line) + "\n")
		} else {
			b.WriteString("  " + line + "\n")
		}
	}
	if s.notice != "" {
		b.WriteString("\n" + s.st.Warn.Render(wrap(s.notice, s.width)))
	}
	return strings.TrimRight(b.String(), "\n")
}

// nextIn is the element after v in list, the first after the last, and
// the first when v is not in list: for keys that cycle through a choice.
func nextIn[T comparable](list []T, v T) T {
	for i, x := range list {
		if x == v {
			return list[(i+1)%len(list)]
		}
	}
	return list[0]
}
