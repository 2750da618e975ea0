package tui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/account"
	"github.com/ctopendata/socrata-wizard/wizard/timestamp"
	"github.com/ctopendata/socrata-wizard/wizard/upload"
)

// Every command that does I/O lives in this file. Each result message
// carries its payload and its error, and a sequence number where a newer
// request can make an older reply stale.

// searchTickMsg fires when typing has paused.
type searchTickMsg struct{ seq int }

// debounceSearch waits before the search numbered seq is sent, so that
// the portal sees one query per pause in typing rather than one per key.
func debounceSearch(d time.Duration, seq int) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return searchTickMsg{seq: seq} })
}

// catalogPageMsg carries one page of the dataset list.
type catalogPageMsg struct {
	seq    int
	source wizard.Source
	offset int
	page   *socrata.CatalogPage
	err    error
}

// fetchCatalogPage asks the catalog for one page of a dataset list.
func fetchCatalogPage(ctx context.Context, c *socrata.Client, seq int, r wizard.PageRequest) tea.Cmd {
	return func() tea.Msg {
		page, err := c.Search(ctx, r.Query)
		return catalogPageMsg{seq: seq, source: r.Source, offset: r.Query.Offset, page: page, err: err}
	}
}

// datasetDetailMsg carries a dataset's schema, a few sample rows and how
// many rows it has (-1 when the portal would not say).
type datasetDetailMsg struct {
	seq     int
	id      socrata.DatasetID
	dataset *socrata.Dataset
	rows    []socrata.Row
	count   int64
	err     error
	rowsErr error
}

// sampleRows is how many rows the detail pane shows.
const sampleRows = 5

// fetchDatasetDetail loads a dataset's schema, then a few of its rows.
func fetchDatasetDetail(ctx context.Context, c *socrata.Client, seq int, id socrata.DatasetID) tea.Cmd {
	return func() tea.Msg {
		ds, err := c.Dataset(ctx, id)
		if err != nil {
			return datasetDetailMsg{seq: seq, id: id, err: err}
		}
		msg := datasetDetailMsg{seq: seq, id: id, dataset: ds, count: -1}
		if ds.Tabular() {
			msg.rows, msg.rowsErr = c.Rows(ctx, id, socrata.RowsQuery{Limit: sampleRows})
			if n, err := c.RowCount(ctx, id); err == nil {
				msg.count = n
			}
		}
		return msg
	}
}

// signedInMsg reports a sign-in attempt.
type signedInMsg struct {
	domain      string
	creds       socrata.Credentials
	client      *socrata.Client
	user        *socrata.User
	fromProfile bool
	err         error
}

// signIn checks credentials with the portal.
func signIn(deps Deps, domain string, creds socrata.Credentials) tea.Cmd {
	return func() tea.Msg {
		return verify(deps, domain, creds, false)
	}
}

// signInProfile reads a saved login's secret from the store and checks
// it with the portal.
func signInProfile(deps Deps, p account.Profile) tea.Cmd {
	return func() tea.Msg {
		creds, err := account.LoadCredentials(deps.Ctx, deps.Store, p)
		if err != nil {
			return signedInMsg{domain: p.Domain, fromProfile: true, err: err}
		}
		return verify(deps, p.Domain, creds, true)
	}
}

func verify(deps Deps, domain string, creds socrata.Credentials, fromProfile bool) signedInMsg {
	msg := signedInMsg{domain: domain, creds: creds, fromProfile: fromProfile}
	// A person is waiting: try twice, quickly, rather than back off for
	// a minute against a portal that is down or a mistyped address. The
	// client kept for the rest of the session retries patiently.
	quick, err := deps.connect(domain, creds, socrata.WithRetry(socrata.RetryPolicy{MaxAttempts: 2, Base: 500 * time.Millisecond, Max: 2 * time.Second}))
	if err != nil {
		msg.err = err
		return msg
	}
	msg.user, msg.err = account.Verify(deps.Ctx, quick, domain)
	if msg.user != nil {
		msg.client, err = deps.connect(domain, creds)
		if err != nil {
			msg.err = err
		}
	}
	return msg
}

// loginSavedMsg reports whether the login was kept.
type loginSavedMsg struct {
	profile account.Profile
	err     error
}

// saveLogin keeps a verified login in the store and the profile index.
func saveLogin(ctx context.Context, store account.SecretStore, ps *account.Profiles, domain string, creds socrata.Credentials, u *socrata.User) tea.Cmd {
	return func() tea.Msg {
		p, err := account.SaveLogin(ctx, store, ps, domain, creds, u, false)
		return loginSavedMsg{profile: p, err: err}
	}
}

// filesListedMsg carries the CSV files found where the chooser starts.
type filesListedMsg struct{ files []string }

// maxListedFiles bounds the chooser's list; a folder of thousands of files
// is better served by typing.
const maxListedFiles = 200

// listFiles finds the delimited files in dir, those named like the
// dataset first.
func listFiles(dir, datasetName string) tea.Cmd {
	return func() tea.Msg {
		return filesListedMsg{files: wizard.FindDataFiles(dir, maxListedFiles, datasetName)}
	}
}

// pathCompletedMsg carries a tab completion of the path input.
type pathCompletedMsg struct {
	from, to string
	matches  []string
}

// completePath completes a partly typed path, relative to dir.
func completePath(typed, dir string) tea.Cmd {
	return func() tea.Msg {
		to, matches := wizard.CompletePath(typed, dir)
		return pathCompletedMsg{from: typed, to: to, matches: matches}
	}
}

// fileOpenedMsg carries a file's dialect and header, the automatic
// mapping and a few sample values per column.
type fileOpenedMsg struct {
	seq     int
	file    *wizard.CSVFile
	mapping *wizard.Mapping
	samples [][]string
	guesses map[int]timestamp.Guess
	err     error
}

// sampleRecords is how many records are read for sample values and for
// guessing timestamp formats.
const sampleRecords = 500

// openFile sniffs a file, reads sample values and maps its columns. seq
// numbers the request: a file opened since makes this reply stale.
func openFile(seq int, path string, ds *socrata.Dataset) tea.Cmd {
	return func() tea.Msg {
		f, err := wizard.OpenCSV(path)
		if err != nil {
			return fileOpenedMsg{seq: seq, err: err}
		}
		samples, err := wizard.Samples(f, sampleRecords, 3)
		if err != nil {
			return fileOpenedMsg{seq: seq, err: err}
		}
		m := wizard.AutoMap(f.Header, ds)
		guesses := m.DetectFormats(samples)
		return fileOpenedMsg{seq: seq, file: f, mapping: m, samples: samples, guesses: guesses}
	}
}

// checkDoneMsg carries the check's report.
type checkDoneMsg struct {
	seq    int
	report *wizard.Report
	err    error
}

// runCheck validates the whole file as the job would send it, reporting
// progress through p.
func runCheck(ctx context.Context, p *pump[wizard.ValidateProgress], f *wizard.CSVFile, job *wizard.Job, issues []wizard.MappingIssue, writeRejects bool) tea.Cmd {
	seq := p.seq
	return func() tea.Msg {
		defer p.close()
		plan, err := wizard.NewPlan(job, f.Header)
		if err != nil {
			return checkDoneMsg{seq: seq, err: err}
		}
		rep, err := wizard.Validate(ctx, f, plan, wizard.ValidateOptions{WriteRejects: writeRejects, Progress: p.report})
		if rep != nil {
			rep.Mapping = append(rep.Mapping, issues...)
		}
		return checkDoneMsg{seq: seq, report: rep, err: err}
	}
}

// uploadDoneMsg carries the upload's result, successful or not.
type uploadDoneMsg struct {
	seq    int
	result *upload.Result
	err    error
}

// runUpload sends the file, reporting progress through p.
func runUpload(ctx context.Context, p *pump[upload.Progress], c *socrata.Client, ds *socrata.Dataset, f *wizard.CSVFile, job *wizard.Job, opts upload.Options) tea.Cmd {
	seq := p.seq
	return func() tea.Msg {
		defer p.close()
		opts.Progress = p.report
		res, err := upload.Run(ctx, c, ds, f, job, opts)
		return uploadDoneMsg{seq: seq, result: res, err: err}
	}
}

// pump carries progress reports from a command's goroutine to its step,
// the way bubbletea's realtime example does, without a global program.
// Reports never block: a slow screen skips some rather than slow the
// work down.
type pump[T any] struct {
	seq int
	ch  chan T
}

func newPump[T any](seq int) *pump[T] { return &pump[T]{seq: seq, ch: make(chan T, 1)} }

// report offers a progress report, dropping it if the last is unread.
func (p *pump[T]) report(v T) {
	select {
	case p.ch <- v:
	default:
	}
}

// close ends the reports; the work calls it when it is done.
func (p *pump[T]) close() { close(p.ch) }

// wait waits for the next report. The step calls it again after each
// one, so there is only ever one waiting.
func (p *pump[T]) wait() tea.Cmd {
	return func() tea.Msg {
		v, ok := <-p.ch
		if !ok {
			return nil
		}
		return progressMsg[T]{seq: p.seq, value: v, pump: p}
	}
}

// progressMsg is one progress report of the work numbered seq.
type progressMsg[T any] struct {
	seq   int
	value T
	pump  *pump[T]
}

// rowCountMsg says how many rows a dataset has after an upload.
type rowCountMsg struct {
	seq   int
	count int64
	err   error
}

// countRows asks the portal how many rows the dataset has now.
func countRows(ctx context.Context, c *socrata.Client, seq int, id socrata.DatasetID) tea.Cmd {
	return func() tea.Msg {
		n, err := c.RowCount(ctx, id)
		return rowCountMsg{seq: seq, count: n, err: err}
	}
}
