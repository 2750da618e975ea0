package tui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/upload"
)

// uploadState is what the upload step is showing.
type uploadState int

const (
	upConfirm    uploadState = iota // what will happen, before anything is sent
	upRunning                       // sending
	upStopping                      // ctrl+c: finishing the current batch
	upAbandoning                    // a second ctrl+c: abandoning the request in flight, then quitting
	upFinished                      // the summary, or what stopped it
)

// uploadStep sends the file: it says what will happen, shows progress
// while batches go out, and ends with what was applied, down to the line.
type uploadStep struct {
	deps Deps
	st   *Styles
	keys uploadKeys
	bar  progress.Model

	client *socrata.Client
	ds     *socrata.Dataset
	file   *wizard.CSVFile
	job    *wizard.Job
	rows   int64 // from the check, for the confirmation
	bad    int64 // rows with bad values, from the check

	route   wizard.Route
	state   uploadState
	seq     int
	cancel  context.CancelFunc
	abort   chan struct{} // closed by a second ctrl+c: see HandleQuit
	quit    bool          // quit the program once the upload has returned
	prog    upload.Progress
	result  *upload.Result
	err     error
	count   int64 // the dataset's rows after the upload, or -1 when unknown
	started time.Time
	done    bool

	width, height int
}

func newUploadStep(deps Deps, d wizard.Draft) *uploadStep {
	s := &uploadStep{
		deps:   deps,
		st:     deps.Styles,
		keys:   newUploadKeys(),
		bar:    deps.Styles.Bar(),
		client: d.Client,
		ds:     d.Dataset,
		file:   d.File,
		job:    d.Job(),
		route:  wizard.RouteAuto,
	}
	if d.Report != nil {
		s.rows, s.bad = d.Report.Rows, d.Report.BadRows
	}
	if d.SendBadRows {
		s.job.BadRows = wizard.SendBadRows
	}
	return s
}

// Init does nothing: the upload starts only when the user says so.
func (s *uploadStep) Init() tea.Cmd { return nil }

func (s *uploadStep) start(resume bool) tea.Cmd {
	s.seq++
	s.state = upRunning
	s.err, s.result = nil, nil
	s.started = time.Now()
	s.prog = upload.Progress{TotalBytes: s.file.Size}
	s.job.Route = s.route
	ctx, cancel := context.WithCancel(s.deps.Ctx)
	s.cancel = cancel
	s.abort = make(chan struct{})
	opts := upload.Options{
		Abort:      s.abort,
		Resume:     resume,
		Checkpoint: upload.CheckpointPath(wizard.DefaultJobPath(s.file.Path)),
		ResumeHint: "ctrl+r",
		Retries:    s.deps.Retries,
	}
	p := newPump[upload.Progress](s.seq)
	return tea.Batch(runUpload(ctx, p, s.client, s.ds, s.file, s.job, opts), p.wait())
}

// HandleQuit turns the first ctrl+c of a running upload into "stop after
// this batch", so the user learns exactly what was applied. A second one
// abandons the request in flight, as the headless run's does, and the
// program quits once the upload has returned: by then it has written
// down what was applied and which lines are in doubt, so that a resume
// neither skips nor doubles them.
func (s *uploadStep) HandleQuit() (bool, tea.Cmd) {
	switch s.state {
	case upRunning:
		s.state = upStopping
		s.cancel()
		return true, nil
	case upStopping:
		s.state = upAbandoning
		s.quit = true
		close(s.abort)
		return true, nil
	case upAbandoning:
		return true, nil
	case upConfirm, upFinished:
	}
	return false, nil
}

// Update handles keys, progress and the result.
func (s *uploadStep) Update(msg tea.Msg) (step, tea.Cmd) {
	switch msg := msg.(type) {
	case progressMsg[upload.Progress]:
		if msg.seq != s.seq {
			return s, nil
		}
		s.prog = msg.value
		return s, msg.pump.wait()
	case uploadDoneMsg:
		if msg.seq != s.seq {
			return s, nil
		}
		s.cancel()
		s.result, s.err = msg.result, msg.err
		s.state = upFinished
		s.count = -1
		if s.quit {
			return s, tea.Quit
		}
		if s.result != nil {
			// Say what the dataset holds now: the portal's own count, not
			// ours.
			return s, countRows(s.deps.Ctx, s.client, s.seq, s.ds.ID)
		}
		return s, nil
	case rowCountMsg:
		if msg.seq == s.seq && msg.err == nil {
			s.count = msg.count
		}
		return s, nil
	case tea.KeyMsg:
		switch s.state {
		case upConfirm:
			switch {
			case matches(msg, keyBack):
				return s, goBack
			case matches(msg, s.keys.Route):
				s.route = nextIn(wizard.Routes, s.route)
			case matches(msg, s.keys.Start):
				return s, s.start(false)
			}
		case upFinished:
			switch {
			case matches(msg, s.keys.Resume) && s.canResume():
				return s, s.start(true)
			case matches(msg, s.keys.Continue) && s.err == nil:
				s.done = true
			case matches(msg, keyBack) && (s.err != nil || s.result == nil):
				s.state = upConfirm
			}
		case upRunning, upStopping, upAbandoning: // ctrl+c is handled by HandleQuit
		}
	}
	return s, nil
}

// canResume is true when an upload stopped part-way with a checkpoint to
// continue from.
func (s *uploadStep) canResume() bool {
	return s.err != nil && s.result != nil && s.result.Resumable
}

// CanGoBack is false while an upload runs and after one finished: the
// rows are on the portal, and going back would not take them off.
func (s *uploadStep) CanGoBack() bool {
	return s.state == upConfirm || (s.state == upFinished && s.err != nil)
}

// SetSize gives the step its space.
func (s *uploadStep) SetSize(w, h int) {
	s.width, s.height = w, h
	s.bar.Width = max(min(w-2, 70), 10)
}

// Done reports that the user moved on after a finished upload.
func (s *uploadStep) Done() bool { return s.done }

// Apply records how the upload went.
func (s *uploadStep) Apply(d *wizard.Draft) {
	s.done = false
	d.UploadFailed = s.err != nil
	d.Route = s.route
}

// Summary is the upload's outcome in a line.
func (s *uploadStep) Summary() string {
	r := s.result
	if r == nil || s.err != nil {
		return ""
	}
	return fmt.Sprintf("Uploaded: %s created, %s updated, %s deleted, %s rejected",
		wizard.Count(r.Created), wizard.Count(r.Updated), wizard.Count(r.Deleted), wizard.Count(r.Rejected))
}

// Notes are the summary of an upload that ran, for when the program quits
// before the user moved on from it: exactly what was applied, and what is
// in doubt.
func (s *uploadStep) Notes() []string {
	if s.result == nil || s.done {
		return nil
	}
	return upload.SummaryLines(s.result)
}

// Typing is always false: the step has no text input.
func (s *uploadStep) Typing() bool { return false }

// ShortHelp lists the keys that work now.
func (s *uploadStep) ShortHelp() []key.Binding {
	switch s.state {
	case upConfirm:
		return []key.Binding{s.keys.Start, s.keys.Route}
	case upRunning:
		return []key.Binding{s.keys.Stop}
	case upFinished:
		var b []key.Binding
		if s.err == nil {
			b = append(b, s.keys.Continue)
		}
		if s.canResume() {
			b = append(b, s.keys.Resume)
		}
		return b
	case upStopping, upAbandoning: // waiting: a second ctrl+c is all there is
	}
	return nil
}

// FullHelp lists every key of the step.
func (s *uploadStep) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }

// View draws the current state.
func (s *uploadStep) View() string {
	switch s.state {
	case upConfirm:
		return s.confirmView()
	case upRunning, upStopping, upAbandoning:
		return s.runningView()
	case upFinished:
	}
	return s.resultView()
}

func (s *uploadStep) confirmView() string {
	var b strings.Builder
	rows := "the rows"
	if s.rows > 0 {
		rows = wizard.Count(s.rows) + " rows"
	}
	verb := map[wizard.Method]string{
		wizard.Upsert:  "Upsert " + rows + " into",
		wizard.Replace: "Replace every row of",
		wizard.Append:  "Add " + rows + " to",
		wizard.Delete:  "Delete " + rows + " from",
	}[s.job.Method]
	if s.job.Method == wizard.Upsert && s.ds.RowIdentifier == "" {
		// Without a row identifier there is nothing to update by.
		verb = "Add " + rows + " to"
	}
	b.WriteString(s.st.Title.Render("Ready to upload") + "\n\n")
	b.WriteString(wrap(fmt.Sprintf("%s %s (%s)", verb, s.ds.Name, s.ds.ID), s.width) + "\n")
	if s.job.Method == wizard.Replace {
		b.WriteString(wrap(fmt.Sprintf("with the %s of %s.", rows, filepath.Base(s.file.Path)), s.width) + "\n")
	} else {
		b.WriteString(wrap("from "+filepath.Base(s.file.Path)+".", s.width) + "\n")
	}
	switch {
	case s.bad > 0 && s.job.BadRows == wizard.SendBadRows:
		b.WriteString(s.st.Warn.Render(wrap(fmt.Sprintf("The %s rows with bad values are sent as they are; the portal's verdict on each is reported with its line.", wizard.Count(s.bad)), s.width)) + "\n")
	case s.bad > 0:
		b.WriteString(s.st.Muted.Render(wrap(fmt.Sprintf("The %s rows with bad values are not sent; they are written, with the reason, to %s.", wizard.Count(s.bad), filepath.Base(wizard.RejectedPath(s.file.Path))), s.width)) + "\n")
	}
	b.WriteString("\n" + s.st.Label.Render("Route: "))
	for _, r := range wizard.Routes {
		name := routeName(r)
		if r == s.route {
			b.WriteString(s.st.Focused.Render("‹" + name + "›"))
		} else {
			b.WriteString(s.st.Muted.Render(name))
		}
		b.WriteString(" ")
	}
	b.WriteString("\n" + s.st.Muted.Render(wrap(upload.DescribeRoute(s.job.Method, s.route, s.file.Size), s.width)) + "\n\n")
	b.WriteString(wrap("Press enter to start. ctrl+c stops the upload safely and says exactly what was applied.", s.width))
	return b.String()
}

// routeName names a route on the confirmation screen.
func routeName(r wizard.Route) string {
	switch r {
	case wizard.RouteAuto:
		return "automatic"
	case wizard.RouteSODA:
		return "SODA"
	case wizard.RouteDSMAPI:
		return "Data Management API"
	}
	return r.String()
}

func (s *uploadStep) runningView() string {
	p := s.prog
	var b strings.Builder
	title := "Uploading to " + s.ds.Name
	switch s.state {
	case upStopping:
		title = "Stopping after the current batch…"
	case upAbandoning:
		title = "Abandoning the request in flight…"
	case upConfirm, upRunning, upFinished:
	}
	b.WriteString(s.st.Title.Render(truncate(title, s.width)) + "\n\n")
	b.WriteString(s.bar.ViewAs(p.Fraction()) + "\n")
	b.WriteString(truncate(upload.DescribeProgress(p, time.Since(s.started)), s.width) + "\n")
	if p.Note != "" {
		b.WriteString(s.st.Warn.Render(wrap(p.Note, s.width)) + "\n")
	}
	return b.String()
}

func (s *uploadStep) resultView() string {
	var b strings.Builder
	r := s.result
	switch {
	case errors.Is(s.err, context.Canceled) && r != nil:
		// The summary below says exactly what was applied.
		b.WriteString(s.st.Warn.Render("■ Stopped") + "\n\n")
	case s.err != nil:
		msg := wrap(wizard.Explain(s.err), max(s.width-4, 10))
		if h := wizard.Hint(s.err); h != "" {
			msg += "\n" + wrap(h, max(s.width-4, 10))
		}
		b.WriteString(s.st.ErrorBox.Render(s.st.Bad.Render("The upload did not finish") + "\n\n" + msg))
		b.WriteString("\n\n")
	default:
		b.WriteString(s.st.Good.Render("✓ Upload finished") + "\n\n")
	}
	if r != nil {
		for _, line := range upload.SummaryLines(r) {
			b.WriteString(wrap(line, s.width) + "\n")
		}
		if s.count >= 0 {
			b.WriteString(fmt.Sprintf("The dataset now has %s rows.\n", wizard.Count(s.count)))
		}
		for _, e := range r.RowErrors[:min(len(r.RowErrors), 5)] {
			b.WriteString(s.st.Bad.Render(truncate(fmt.Sprintf("  line %d: %s", e.Line, e.Message), s.width)) + "\n")
		}
	}
	if s.err != nil && !s.canResume() {
		b.WriteString("\n" + s.st.Muted.Render("esc to go back and try again"))
	}
	return strings.TrimRight(b.String(), "\n")
}
