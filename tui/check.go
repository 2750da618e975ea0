package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/timestamp"
)

// checkState is what the check step is showing.
type checkState int

const (
	checkRunning checkState = iota // reading every row
	checkReport                    // the outcome
	checkFormat                    // choosing a timestamp format
)

// commonFormats are offered for every timestamp column, after the
// patterns detected from its own values.
var commonFormats = []string{
	timestamp.ISO8601, "yyyy-MM-dd", "MM/dd/yyyy", "M/d/yyyy", "M/d/yy", "MM/dd/yyyy HH:mm",
	"MM/dd/yyyy hh:mm a", "yyyy-MM-dd HH:mm:ss", "dd/MM/yyyy", "dd-MMM-yyyy",
}

// checkStep reads the whole file once, converting every value as the
// upload will, and reports the bad ones with their line numbers, before a
// single row is sent. Fixes (a date format, cleaning numbers, yes/no
// checkboxes) are chosen here and the check runs again.
type checkStep struct {
	deps Deps
	st   *Styles
	keys checkKeys
	bar  progress.Model

	ds      *socrata.Dataset
	file    *wizard.CSVFile
	mapping *wizard.Mapping
	job     *wizard.Job

	state    checkState
	seq      int
	cancel   context.CancelFunc
	progress wizard.ValidateProgress
	report   *wizard.Report
	err      error

	cursor  int             // the column report under the cursor, among the bad ones
	formats []string        // the patterns offered for the column
	ticked  []string        // the patterns chosen, in the order they are tried
	reads   map[string]bool // patterns that read the value that failed
	fmtSel  int
	custom  textinput.Model
	notice  string
	anyway  bool // the user chose to send bad rows and let the portal reject them
	done    bool

	width, height int
}

func newCheckStep(deps Deps, d wizard.Draft) *checkStep {
	s := &checkStep{
		deps:    deps,
		st:      deps.Styles,
		keys:    newCheckKeys(),
		bar:     deps.Styles.Bar(progress.WithoutPercentage()),
		ds:      d.Dataset,
		file:    d.File,
		mapping: d.Mapping,
		job:     d.Job(),
	}
	s.custom = deps.newInput("such as MM/dd/yyyy HH:mm")
	s.custom.Prompt = "Pattern: "
	return s
}

// Init starts the check.
func (s *checkStep) Init() tea.Cmd { return s.start(false) }

// start runs the check again from the mapping as it now is.
func (s *checkStep) start(writeRejects bool) tea.Cmd {
	if s.cancel != nil {
		s.cancel()
	}
	s.seq++
	s.state = checkRunning
	s.err, s.notice = nil, ""
	s.progress = wizard.ValidateProgress{Total: s.file.Size}
	s.job.Columns = s.mapping.ColumnMaps()
	s.job.Points = append([]wizard.PointSource(nil), s.mapping.Points...)
	ctx, cancel := context.WithCancel(s.deps.Ctx)
	s.cancel = cancel
	var issues []wizard.MappingIssue
	for _, is := range s.mapping.Check(s.ds, s.job.Method) {
		if is.Severity != wizard.SeverityInfo {
			issues = append(issues, is)
		}
	}
	p := newPump[wizard.ValidateProgress](s.seq)
	return tea.Batch(runCheck(ctx, p, s.file, s.job, issues, writeRejects), p.wait())
}

// Update handles keys, progress and the report.
func (s *checkStep) Update(msg tea.Msg) (step, tea.Cmd) {
	switch msg := msg.(type) {
	case progressMsg[wizard.ValidateProgress]:
		if msg.seq != s.seq {
			return s, nil
		}
		s.progress = msg.value
		return s, msg.pump.wait()
	case checkDoneMsg:
		if msg.seq != s.seq {
			return s, nil
		}
		s.cancel()
		s.report, s.err = msg.report, msg.err
		s.state = checkReport
		s.cursor = min(s.cursor, max(len(s.badColumns())-1, 0))
		return s, nil
	case tea.KeyMsg:
		switch s.state {
		case checkRunning:
			if matches(msg, keyBack) {
				s.cancel()
				s.seq++
				return s, goBack
			}
		case checkReport:
			return s.updateReport(msg)
		case checkFormat:
			return s.updateFormat(msg)
		}
	}
	return s, nil
}

// badColumns are the column reports with bad values.
func (s *checkStep) badColumns() []wizard.ColumnReport {
	if s.report == nil {
		return nil
	}
	var out []wizard.ColumnReport
	for _, c := range s.report.Columns {
		if c.Bad > 0 {
			out = append(out, c)
		}
	}
	return out
}

// current is the bad column under the cursor and its index in the
// mapping.
func (s *checkStep) current() (wizard.ColumnReport, int, bool) {
	bad := s.badColumns()
	if s.cursor >= len(bad) {
		return wizard.ColumnReport{}, 0, false
	}
	c := bad[s.cursor]
	for i, m := range s.mapping.Columns {
		if m.Source == c.Source {
			return c, i, true
		}
	}
	return c, 0, false
}

func (s *checkStep) updateReport(msg tea.KeyMsg) (step, tea.Cmd) {
	s.notice = ""
	col, idx, ok := s.current()
	typ := socrata.ParseDataType(col.Type)
	switch {
	case matches(msg, keyBack):
		return s, goBack
	case matches(msg, s.keys.Up):
		s.cursor = max(s.cursor-1, 0)
	case matches(msg, s.keys.Down):
		s.cursor = min(s.cursor+1, max(len(s.badColumns())-1, 0))
	case matches(msg, s.keys.Continue) && s.report != nil && s.report.OK():
		s.done = true
	case matches(msg, s.keys.Anyway) && s.canSendAnyway():
		s.anyway = true
		s.done = true
	case matches(msg, s.keys.Recheck):
		return s, s.start(false)
	case matches(msg, s.keys.WriteRejects) && s.report != nil && s.report.BadRows > 0:
		return s, s.start(true)
	case ok && matches(msg, s.keys.Format) && isTimestamp(typ):
		s.openFormats(idx, col)
	case ok && matches(msg, s.keys.Clean) && isNumeric(typ):
		_ = s.mapping.SetClean(idx, !s.mapping.Columns[idx].Clean)
		return s, s.start(false)
	case ok && matches(msg, s.keys.YesNo) && typ == socrata.Checkbox:
		_ = s.mapping.SetYesNo(idx, !s.mapping.Columns[idx].YesNo)
		return s, s.start(false)
	}
	return s, nil
}

// canSendAnyway is true when the only trouble is bad values: the rows are
// readable and the mapping is sound, so the portal can judge them.
func (s *checkStep) canSendAnyway() bool {
	r := s.report
	if r == nil || r.OK() || r.Fatal != "" || !r.Complete || r.Rows == 0 {
		return false
	}
	for _, m := range r.Mapping {
		if m.Severity == wizard.SeverityError {
			return false
		}
	}
	return r.BadRows < r.Rows
}

// openFormats offers, for the timestamp column idx, the patterns it
// accepts now, the one that would read the first value that failed, and
// the common ones. The suggestion starts ticked, so enter accepts it.
func (s *checkStep) openFormats(idx int, col wizard.ColumnReport) {
	c := s.mapping.Columns[idx]
	seen := map[string]bool{}
	s.formats, s.ticked = nil, nil
	s.reads = map[string]bool{}
	add := func(p string) {
		if p != "" && !seen[p] {
			seen[p] = true
			s.formats = append(s.formats, p)
		}
	}
	for _, p := range c.Formats {
		add(p)
		s.ticked = append(s.ticked, p)
	}
	s.fmtSel = len(s.formats)
	if p := col.SuggestedFormat; p != "" {
		s.reads[p] = true
		if !seen[p] {
			s.ticked = append(s.ticked, p)
		}
		add(p)
	}
	for _, p := range commonFormats {
		add(p)
	}
	s.fmtSel = min(s.fmtSel, len(s.formats)-1)
	s.custom.SetValue("")
	s.custom.Blur()
	s.state = checkFormat
}

func (s *checkStep) updateFormat(msg tea.KeyMsg) (step, tea.Cmd) {
	_, idx, _ := s.current()
	customRow := len(s.formats)
	typing := s.fmtSel == customRow
	switch {
	case matches(msg, keyBack):
		s.state = checkReport
		return s, nil
	case matches(msg, s.keys.Up):
		s.fmtSel = max(s.fmtSel-1, 0)
	case matches(msg, s.keys.Down):
		s.fmtSel = min(s.fmtSel+1, customRow)
	case !typing && matches(msg, s.keys.Tick):
		s.toggle(s.formats[s.fmtSel])
		return s, nil
	case matches(msg, s.keys.Choose):
		patterns := s.ticked
		if typing && strings.TrimSpace(s.custom.Value()) != "" {
			patterns = append(slices.Clone(s.ticked), strings.TrimSpace(s.custom.Value()))
		}
		if len(patterns) == 0 {
			s.notice = "Tick at least one format with space."
			return s, nil
		}
		if err := s.mapping.SetFormats(idx, patterns); err != nil {
			s.notice = wizard.Explain(err)
			return s, nil
		}
		return s, s.start(false)
	case typing:
		var cmd tea.Cmd
		s.custom, cmd = s.custom.Update(msg)
		return s, cmd
	}
	if s.fmtSel == customRow {
		return s, s.custom.Focus()
	}
	s.custom.Blur()
	return s, nil
}

// toggle ticks or unticks a pattern; a newly ticked one is tried last.
func (s *checkStep) toggle(p string) {
	if i := slices.Index(s.ticked, p); i >= 0 {
		s.ticked = slices.Delete(s.ticked, i, i+1)
		return
	}
	s.ticked = append(s.ticked, p)
}

func isTimestamp(t socrata.DataType) bool {
	return t == socrata.FloatingTimestamp || t == socrata.FixedTimestamp
}

func isNumeric(t socrata.DataType) bool {
	return t == socrata.Number || t == socrata.Money || t == socrata.Percent
}

// SetSize gives the step its space.
func (s *checkStep) SetSize(w, h int) {
	s.width, s.height = w, h
	s.bar.Width = max(min(w-2, 60), 10)
}

// Done reports that the user moved on to the upload.
func (s *checkStep) Done() bool { return s.done }

// Apply records the report and the fixes made here.
func (s *checkStep) Apply(d *wizard.Draft) {
	s.done = false
	d.Report = s.report
	d.Mapping = s.mapping
	d.SendBadRows = s.anyway
}

// Summary says how the check went.
func (s *checkStep) Summary() string {
	if s.report == nil {
		return ""
	}
	if s.report.OK() {
		return fmt.Sprintf("Checked %s rows: all can be sent", wizard.Count(s.report.Rows))
	}
	return fmt.Sprintf("Checked %s rows: %s with bad values, sent anyway", wizard.Count(s.report.Rows), wizard.Count(s.report.BadRows))
}

// Typing is true while a custom format is being typed.
func (s *checkStep) Typing() bool { return s.state == checkFormat && s.fmtSel == len(s.formats) }

// ShortHelp lists the keys that work now.
func (s *checkStep) ShortHelp() []key.Binding {
	switch s.state {
	case checkRunning:
		return nil
	case checkFormat:
		if s.fmtSel == len(s.formats) {
			return []key.Binding{s.keys.Up, s.keys.Choose}
		}
		return []key.Binding{s.keys.Up, s.keys.Tick, s.keys.Choose}
	case checkReport: // below
	}
	if s.report != nil && s.report.OK() {
		return []key.Binding{s.keys.Continue}
	}
	b := []key.Binding{s.keys.Up}
	if col, _, ok := s.current(); ok {
		switch t := socrata.ParseDataType(col.Type); {
		case isTimestamp(t):
			b = append(b, s.keys.Format)
		case isNumeric(t):
			b = append(b, s.keys.Clean)
		case t == socrata.Checkbox:
			b = append(b, s.keys.YesNo)
		}
	}
	if s.report != nil && s.report.BadRows > 0 {
		b = append(b, s.keys.WriteRejects)
	}
	if s.canSendAnyway() {
		b = append(b, s.keys.Anyway)
	}
	return append(b, s.keys.Recheck)
}

// FullHelp lists every key of the step.
func (s *checkStep) FullHelp() [][]key.Binding {
	return [][]key.Binding{{s.keys.Up, s.keys.Format, s.keys.Clean, s.keys.YesNo}, {s.keys.WriteRejects, s.keys.Anyway, s.keys.Recheck, s.keys.Continue}}
}

// View draws progress, the report or the format chooser.
func (s *checkStep) View() string {
	switch s.state {
	case checkRunning:
		return s.runningView()
	case checkFormat:
		return s.formatView()
	case checkReport: // below
	}
	return s.reportView()
}

func (s *checkStep) runningView() string {
	p := s.progress
	frac := 0.0
	if p.Total > 0 {
		frac = float64(p.Bytes) / float64(p.Total)
	}
	return s.st.Title.Render("Checking every value before anything is sent") + "\n\n" +
		s.bar.ViewAs(frac) + "\n" +
		s.st.Muted.Render(fmt.Sprintf("%s rows · %s of %s", wizard.Count(p.Rows), wizard.Size(p.Bytes), wizard.Size(p.Total)))
}

func (s *checkStep) reportView() string {
	var b strings.Builder
	r := s.report
	if s.err != nil {
		return s.st.ErrorBox.Render(s.st.Bad.Render("The check could not finish") + "\n\n" + wrap(wizard.Explain(s.err), max(s.width-4, 10)))
	}
	name := filepath.Base(r.File)
	switch {
	case r.Fatal != "":
		b.WriteString(s.st.Bad.Render("✗ "+wrap(wizard.Sentence(r.Fatal), s.width)) + "\n")
	case r.OK():
		b.WriteString(s.st.Good.Render(fmt.Sprintf("✓ All %s rows of %s can be sent.", wizard.Count(r.Rows), name)) + "\n\n")
		b.WriteString(wrap("Every value was converted the way the upload will send it, and none would be rejected. Press enter to choose how to send them.", s.width))
		return b.String()
	default:
		b.WriteString(s.st.Title.Render(fmt.Sprintf("%s of %s rows have values the portal would reject", wizard.Count(r.BadRows), wizard.Count(r.Rows))) + "\n")
		b.WriteString(s.st.Muted.Render(wrap("Fix them here (a date format, cleaning numbers), in the file, or send the rest and let the portal reject these.", s.width)) + "\n")
	}
	for _, m := range r.Mapping {
		if m.Severity == wizard.SeverityError {
			b.WriteString(s.st.Bad.Render(truncate("✗ "+wizard.Sentence(m.Message), s.width)) + "\n")
		}
	}
	if r.Structure > 0 {
		b.WriteString(s.st.Bad.Render(fmt.Sprintf("✗ %s rows are malformed:", wizard.Count(r.Structure))) + "\n")
		for _, ex := range r.StructureFirst {
			b.WriteString("    " + truncate(fmt.Sprintf("line %d: %s", ex.Line, ex.Message), s.width-4) + "\n")
		}
	}
	b.WriteString("\n")
	room := max(s.height-lineCount(b.String())-3, 4)
	var lines []string
	for i, c := range s.badColumns() {
		head := fmt.Sprintf("%s → %s (%s", c.Source, c.Field, socrata.ParseDataType(c.Type).Label())
		if len(c.Formats) > 0 {
			head += ", " + wizard.Plural(len(c.Formats), "format ", "formats ") + strings.Join(c.Formats, " or ")
		}
		if c.Clean {
			head += ", cleaned"
		}
		if c.YesNo {
			head += ", yes/no"
		}
		head += fmt.Sprintf("): %s bad", wizard.Count(c.Bad))
		if i == s.cursor {
			lines = append(lines, s.st.Selected.Render(truncate("› "+head, s.width)))
		} else {
			lines = append(lines, truncate("  "+head, s.width))
		}
		for _, ex := range c.Examples[:min(len(c.Examples), 3)] {
			lines = append(lines, s.st.Muted.Render(truncate(fmt.Sprintf("    line %d: %s", ex.Line, ex.Message), s.width)))
		}
		if c.SuggestedFormat != "" && i == s.cursor {
			lines = append(lines, s.st.Good.Render(truncate(fmt.Sprintf("    Press f to also accept %s, which reads %q.", c.SuggestedFormat, c.SuggestedFor), s.width)))
		}
	}
	if len(lines) > room {
		lines = append(lines[:room-1], s.st.Muted.Render("  …"))
	}
	b.WriteString(strings.Join(lines, "\n"))
	if r.Rejected != "" {
		b.WriteString("\n\n" + s.st.Muted.Render(truncate("Every bad row was written to "+r.Rejected, s.width)))
	}
	if s.notice != "" {
		b.WriteString("\n" + s.st.Warn.Render(s.notice))
	}
	return b.String()
}

func (s *checkStep) formatView() string {
	col, _, _ := s.current()
	var b strings.Builder
	b.WriteString(s.st.Title.Render(truncate(fmt.Sprintf("Which date formats does %q use?", col.Source), s.width)) + "\n")
	b.WriteString(s.st.Muted.Render(wrap("Tick every style the file uses: each value is read with the first ticked format that fits. Patterns use DataSync's notation: MM month, dd day, yyyy year, HH hour, mm minute, a am/pm.", s.width)) + "\n")
	if len(col.Examples) > 0 {
		b.WriteString(truncate(fmt.Sprintf("A value that did not read: %q (line %d)", col.Examples[0].Value, col.Examples[0].Line), s.width) + "\n")
	}
	b.WriteString("\n")
	room := max(s.height-lineCount(b.String())-3, 3)
	start := max(0, s.fmtSel-room+1)
	for i := start; i < len(s.formats) && i < start+room; i++ {
		p := s.formats[i]
		box := "[ ]"
		if n := slices.Index(s.ticked, p); n >= 0 {
			box = fmt.Sprintf("[%d]", n+1)
		}
		line := box + " " + p
		if s.reads[p] {
			line += s.st.Good.Render("   reads " + fmt.Sprintf("%q", col.SuggestedFor))
		}
		if i == s.fmtSel {
			b.WriteString(s.st.Selected.Render("› "+line) + "\n")
		} else {
			b.WriteString("  " + line + "\n")
		}
	}
	prefix := "  "
	if s.fmtSel == len(s.formats) {
		prefix = s.st.Focused.Render("› ")
	}
	b.WriteString(prefix + s.custom.View())
	if s.notice != "" {
		b.WriteString("\n\n" + s.st.Warn.Render(wrap(s.notice, s.width)))
	}
	return b.String()
}

func lineCount(s string) int { return strings.Count(s, "\n") + 1 }
