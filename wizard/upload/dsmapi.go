package upload

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/internal/wording"
	"github.com/ctopendata/socrata-wizard/wizard/timestamp"
)

// The Data Management API route (socrata-api.md §5.3): open a revision,
// Add an upload source, send the file in chunks, let the portal parse and
// check it, map its columns onto the dataset's fields with a transform
// when they differ, fetch the rows it cannot convert, apply, and follow
// the apply to its end. Nothing changes on the portal unless the apply
// succeeds: on a failure or a stop before it, the revision is discarded.
//
// The file goes up in one of two forms:
//
//   - as it is ("raw"), when the portal can read it exactly as this
//     program does: UTF-8 with ordinary quoting, and every mapped column's
//     conversion expressible as a transform (to_number, to_boolean,
//     to_floating_timestamp with the column's format, ...). This is the
//     fast path: the bytes go from the disk to the portal untouched.
//   - converted: a CSV of the values as this program converts them (the
//     same conversion the check and the SODA route use), with the
//     dataset's field names as its header. This covers other encodings,
//     files without quoting, cleaned numbers, yes/no checkboxes, points
//     made from latitude and longitude, two-digit years, and a replace
//     that skips bad rows.

// dsmRun is one upload through the Data Management API.
type dsmRun struct {
	u   *uploader
	raw bool
	// enc writes converted rows (converted form only).
	enc *rowEncoder
	// exprs are the transform per plan column, then per plan point,
	// with "%s" standing for the input column reference.
	exprs []string

	rev *socrata.Revision
	src *socrata.Source
	// applying is set once the apply was sent: from then on the revision
	// is not discarded.
	applying bool

	// lastLine is the file's last line: counted by countLines for the file
	// as it is, the last one read for the converted form.
	lastLine int
	// committed is set once the portal has every chunk; counted is
	// closed once lastLine holds the file's last line (file as it is).
	committed bool
	counted   chan struct{}
	rej       *wizard.RejectFile
}

// dsmapiPlan decides how a job goes through the Data Management API: raw
// or converted, with what transforms. It fails when neither form can carry
// every mapped field.
func dsmapiPlan(job *wizard.Job, plan *wizard.Plan, d wizard.Dialect) (raw bool, exprs []string, err error) {
	if c := noCSVForm(plan); c != nil {
		return false, nil, fmt.Errorf("field %s is a %s column, which this program sends only through SODA", c.Conv.Field, c.Conv.Type.Label())
	}
	raw = (d.Encoding == wizard.EncodingUTF8 || d.Encoding == "") && !d.NoQuote && len(plan.Points) == 0 &&
		!(job.Method == wizard.Replace && job.BadRowPolicy() == wizard.SkipBadRows)
	if raw {
		for i := range plan.Columns {
			e, ok := rawExpr(&plan.Columns[i])
			if !ok {
				raw = false
				break
			}
			exprs = append(exprs, e)
		}
	}
	if !raw {
		exprs = exprs[:0]
		for _, c := range plan.Columns {
			exprs = append(exprs, convertedExpr(c.Conv.Type))
		}
		for range plan.Points {
			exprs = append(exprs, convertedExpr(socrata.Point))
		}
	}
	return raw, exprs, nil
}

// convertedExpr is the transform for a converted column: its values are
// already in the form the type's conversion reads.
func convertedExpr(t socrata.DataType) string {
	switch t {
	case socrata.Number, socrata.Money, socrata.Percent:
		return "to_number(%s)"
	case socrata.Checkbox:
		return "to_boolean(%s)"
	case socrata.FloatingTimestamp:
		return "to_floating_timestamp(%s)"
	case socrata.FixedTimestamp:
		return "to_fixed_timestamp(%s)"
	case socrata.Point:
		return "to_point(%s)"
	default:
		// Text and the types sent as text.
		return "%s"
	}
}

// rawExpr is the transform that converts a column of the file as it is
// exactly as this program would, if there is one.
func rawExpr(c *wizard.PlanColumn) (string, bool) {
	conv := c.Conv
	switch conv.Type {
	case socrata.Text, "":
		return "%s", true
	case socrata.Number, socrata.Money, socrata.Percent:
		return "to_number(%s)", !conv.Clean
	case socrata.Checkbox:
		return "to_boolean(%s)", !conv.YesNo
	case socrata.Point:
		return "to_point(%s)", true
	case socrata.FloatingTimestamp, socrata.FixedTimestamp:
		if len(conv.Formats) == 0 {
			return timestampExpr(conv, nil)
		}
		// Several accepted formats: the first that reads a value wins, as
		// in the check. Every reading but the last is forgiven, because a
		// failed conversion is an error, not a null, to coalesce.
		var parts []string
		for i, tf := range conv.Formats {
			e, ok := timestampExpr(conv, tf)
			if !ok {
				return "", false
			}
			if i < len(conv.Formats)-1 {
				e = "forgive(" + e + ")"
			}
			parts = append(parts, e)
		}
		if len(parts) == 1 {
			return parts[0], true
		}
		return "coalesce(" + strings.Join(parts, ", ") + ")", true
	default:
		// URLs among them: the check reads "label (address)" and refuses
		// an address without a scheme, which no transform does.
		return "", false
	}
}

// timestampExpr is the transform that reads a timestamp column written in
// format tf (nil meaning ISO 8601), if there is one: the translation
// refuses the patterns a transform would read differently from the check.
func timestampExpr(conv *wizard.Converter, tf *timestamp.Format) (string, bool) {
	iso := tf == nil || tf.IsISO()
	format := ""
	if !iso {
		var err error
		if format, err = tf.Strftime(timestamp.PortalTransform); err != nil {
			return "", false
		}
	}
	if conv.Type == socrata.FloatingTimestamp {
		if iso {
			return "to_floating_timestamp(%s)", true
		}
		// A floating timestamp has no zone to put an offset in.
		return "to_floating_timestamp(%s, " + sqlString(format) + ")", !tf.HasZone()
	}
	zone := wizard.DefaultTimezone
	if conv.Location != nil {
		zone = conv.Location.String()
	}
	switch {
	case iso:
		// Values with an offset keep it; the others are read in the
		// column's zone, as the check reads them.
		return "coalesce(forgive(to_fixed_timestamp(%s)), to_fixed_timestamp(to_floating_timestamp(%s), " + sqlString(zone) + "))", true
	case tf.HasZone():
		return "to_fixed_timestamp(%s, " + sqlString(format) + ")", true
	}
	return "to_fixed_timestamp(to_floating_timestamp(%s, " + sqlString(format) + "), " + sqlString(zone) + ")", true
}

// sqlString quotes s as a transform string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// dsmapi runs the Data Management API route.
func (u *uploader) dsmapi() error {
	raw, exprs, err := dsmapiPlan(u.job, u.plan, u.f.Dialect)
	if err != nil {
		return &uploadError{msg: "the Data Management API route cannot send this file: " + err.Error(), hint: "Choose the SODA route for this job.", err: err}
	}
	d := &dsmRun{u: u, raw: raw, exprs: exprs}
	d.rej = wizard.NewRejectFile(u.rejectedPath(), u.f)
	defer d.rej.Abort()
	if !raw {
		d.enc = newRowEncoder(u.plan, u.job.BadRowPolicy() == wizard.SendBadRows, false, -1)
		d.enc.csv = true
	}
	err = d.run()
	d.lastLineSent() // the line count, if one was started, ends here
	if !d.applying && d.rev != nil {
		d.discard()
	}
	if path, cerr := d.rej.Commit(); cerr == nil {
		u.res.RejectedFile = path
	} else if err == nil {
		err = &uploadError{msg: cerr.Error() + " (the upload itself succeeded)", err: cerr}
	}
	return err
}

// discard closes the revision unapplied, with a context of its own since
// the upload's may have been cancelled.
func (d *dsmRun) discard() {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(d.u.ctx), 30*time.Second)
	defer cancel()
	if err := d.u.c.DiscardRevision(ctx, d.rev.Dataset, d.rev.Seq); err != nil {
		d.u.res.Notes = append(d.u.res.Notes, fmt.Sprintf(
			"Revision %d could not be discarded (%s); it changes nothing unless applied, and you can discard it on the dataset's page.",
			d.rev.Seq, wizard.FailureText(err)))
	}
}

func (d *dsmRun) stage(s string) {
	d.u.report(func(p *Progress) { p.Phase, p.Stage = PhaseProcessing, s })
}

// stopped is the error for a stop before the apply: nothing changed.
func (d *dsmRun) stopped() error {
	d.u.res.Stopped = true
	return &uploadError{msg: "stopped at your request before the change was applied: the dataset is unchanged",
		hint: "Upload again to send the file.", err: d.u.ctx.Err()}
}

// failed wraps a failure before the apply: nothing changed.
func (d *dsmRun) failed(what string, err error) error {
	var ae *socrata.APIError
	hint := wizard.FailureAdvice(err)
	if errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && ae.Status != 429 {
		hint = refusalHint(ae)
	}
	if hint == "" {
		hint = "Upload again in a few minutes."
	}
	return &uploadError{msg: fmt.Sprintf("%s failed, so nothing was applied and the dataset is unchanged: %s", what, wizard.FailureText(err)), hint: hint, err: err}
}

func (d *dsmRun) run() error {
	u := d.u
	action := socrata.RevisionUpdate
	switch u.job.Method {
	case wizard.Replace:
		action = socrata.RevisionReplace
	case wizard.Delete:
		action = socrata.RevisionDelete
	case wizard.Upsert, wizard.Append: // an update, as set above
	}
	d.stage("opening a revision")
	rev, err := u.c.OpenRevision(u.send, u.ds.ID, action)
	if err != nil {
		return d.failed("opening a revision", err)
	}
	d.rev = rev
	u.res.Revision = rev.Seq
	if u.stopping() {
		return d.stopped()
	}

	opts := socrata.ParseOptions{Encoding: "utf-8", ColumnSeparator: ",", QuoteChar: `"`}
	contentType := "text/csv"
	if d.raw {
		opts.ColumnSeparator = u.f.Dialect.Delimiter
		opts.NoHeader = !u.f.Dialect.Header
		if opts.ColumnSeparator == "\t" {
			contentType = "text/tab-separated-values"
		}
	}
	src, err := u.c.CreateSource(u.send, rev, filepath.Base(u.f.Path), opts)
	if err != nil {
		return d.failed("adding the file to the revision", err)
	}
	plan, err := u.c.InitiateUpload(u.send, src, contentType)
	if err != nil {
		return d.failed("starting the upload", err)
	}
	d.src = src
	if err := d.upload(plan); err != nil {
		return err
	}
	if u.stopping() {
		return d.stopped()
	}
	return d.process()
}

// countLines counts the lines of the first size bytes of fh on a
// goroutine of its own and closes fh; lastLineSent waits for the count.
func (d *dsmRun) countLines(fh *os.File, size int64) {
	d.counted = make(chan struct{})
	go func() {
		defer close(d.counted)
		defer fh.Close()
		buf := make([]byte, 256<<10)
		lines, last := 0, byte('\n')
		for off := int64(0); off < size; {
			n, err := fh.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
			lines += bytes.Count(buf[:n], []byte{'\n'})
			if n > 0 {
				last = buf[n-1]
			}
			off += int64(n)
			if err != nil {
				break
			}
		}
		if last != '\n' {
			lines++ // a last line without a line break
		}
		d.lastLine = lines
	}()
}

// lastLineSent is the file's last line, once countLines has counted it
// (or, for the converted form, as it was written).
func (d *dsmRun) lastLineSent() int {
	if d.counted != nil {
		<-d.counted
	}
	return d.lastLine
}

// byteRange writes "bytes 4,194,304–8,388,607" for the bytes from up to
// (not including) to.
func byteRange(from, to int64) string {
	return "bytes " + wording.Count(from) + "–" + wording.Count(max(to-1, from))
}

// process waits for the portal to read the file, maps its columns,
// collects the rows it cannot convert, and applies.
func (d *dsmRun) process() error {
	u := d.u
	d.stage("the portal is reading the file")
	src, err := d.pollSource()
	if err != nil {
		return err
	}
	d.src = src
	in, ok := src.LatestInputSchema()
	if !ok {
		return d.failed("reading the file", errors.New("the portal parsed the file but reported no columns"))
	}
	d.stage("the portal is checking " + wording.Count(in.TotalRows) + " rows")
	out, err := d.pollOutput(in.ID, 0)
	if err != nil {
		return err
	}
	want, err := d.outputColumns(in, out)
	if err != nil {
		return err
	}
	if want != nil {
		d.stage("mapping the file's columns onto the dataset's fields")
		o, err := u.c.Transform(u.send, d.src, in.ID, want)
		if err != nil {
			return d.failed("mapping the columns", err)
		}
		d.stage("the portal is checking " + wording.Count(in.TotalRows) + " rows against the dataset's types")
		if out, err = d.pollOutput(in.ID, o.ID); err != nil {
			return err
		}
	}
	if bad := out.FailedColumns(); len(bad) > 0 {
		var names []string
		for _, c := range bad {
			names = append(names, fmt.Sprintf("%s (%s)", c.FieldName, c.Transform.FailureMessage))
		}
		return &uploadError{msg: "the portal could not convert " + wording.Plural(len(names), "column", "columns") + " " + strings.Join(names, ", ") + "; nothing was applied and the dataset is unchanged",
			hint: "Check the column's type and format in the mapping, then upload again."}
	}
	if u.stopping() {
		return d.stopped()
	}
	if d.raw {
		// Converted rows were counted as they were written.
		u.res.Rows = in.TotalRows
		u.res.Sent = in.TotalRows
	}
	portalBad := out.ErrorCount + in.NumRowErrors
	if portalBad > 0 {
		d.stage("fetching the rows the portal cannot convert")
		if err := d.collectErrors(in, out); err != nil {
			return err
		}
		if u.job.Method == wizard.Replace {
			return &uploadError{
				msg: fmt.Sprintf("%s %s cannot be converted (the first is %s); a replace through the Data Management API is all or nothing, so nothing was applied and the dataset is unchanged",
					wording.Count(portalBad), wording.Plural(int(min(portalBad, 2)), "row", "rows"), firstProblemText(u.res.RowErrors)),
				hint: "Fix those rows (the rejected-rows file lists them with their lines), then upload again.",
			}
		}
	}
	if u.stopping() {
		return d.stopped()
	}
	return d.apply(out.ID)
}

// firstProblemText names the first of the rows the portal cannot
// convert, for a message that gives only their count otherwise.
func firstProblemText(ps []RowProblem) string {
	if len(ps) == 0 {
		return "not known"
	}
	if ps[0].Line == 0 {
		return ps[0].Message
	}
	return fmt.Sprintf("line %s: %s", wording.Count(int64(ps[0].Line)), ps[0].Message)
}

// poll waits between polls, a little longer each time, up to 5 s.
func (d *dsmRun) poll(ctx context.Context, n int) error {
	wait := 100 * time.Millisecond
	for range n {
		wait = wait * 3 / 2
		if wait >= 5*time.Second {
			wait = 5 * time.Second
			break
		}
	}
	return d.u.sleep(ctx, wait)
}

func (d *dsmRun) pollSource() (*socrata.Source, error) {
	u := d.u
	for n := 0; ; n++ {
		src, err := u.c.GetSource(u.send, d.src.ID)
		if err != nil {
			return nil, d.failed("reading the file's status", err)
		}
		if src.Failed() {
			return nil, &uploadError{msg: "the portal could not read the file: " + src.FailureMessage() + "; nothing was applied and the dataset is unchanged",
				hint: "Check that the file opens as CSV, then upload again."}
		}
		if src.Parsed() {
			return src, nil
		}
		if err := d.poll(u.ctx, n); err != nil {
			return nil, d.stopped()
		}
	}
}

func (d *dsmRun) pollOutput(inputID, outputID int) (*socrata.OutputSchema, error) {
	u := d.u
	for n := 0; ; n++ {
		o, err := u.c.GetOutputSchema(u.send, d.src, inputID, outputID)
		if err != nil {
			var ae *socrata.APIError
			if !(errors.As(err, &ae) && ae.Status == 404 && outputID == 0 && n < 20) {
				return nil, d.failed("reading the portal's check of the file", err)
			}
		} else if o.Done() {
			return o, nil
		}
		if err := d.poll(u.ctx, n); err != nil {
			return nil, d.stopped()
		}
	}
}

// outputColumns works out the output schema the upload needs: every
// mapped field filled by its transform, every field the file does not
// fill left as the portal has it, and nothing else. It returns nil when
// out already is that.
func (d *dsmRun) outputColumns(in *socrata.InputSchema, out *socrata.OutputSchema) ([]socrata.OutputColumnSpec, error) {
	u := d.u
	// The input column that holds each of the sent file's columns.
	header := u.f.Header
	if !d.raw {
		header = planFields(u.plan)
	}
	cols := append([]socrata.InputColumn(nil), in.InputColumns...)
	sort.SliceStable(cols, func(a, b int) bool { return cols[a].Position < cols[b].Position })
	inputFor := func(i int) (string, error) {
		if d.raw && !u.f.Dialect.Header {
			// The portal names the columns of a file without a header
			// itself; only their order ties them to the file's.
			if i < len(cols) {
				return cols[i].FieldName, nil
			}
			return "", fmt.Errorf("the portal read %d columns, and the file has at least %d", len(cols), i+1)
		}
		h := strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff"))
		if i < len(cols) && (cols[i].DisplayName == h || cols[i].DisplayName == "") {
			return cols[i].FieldName, nil
		}
		for _, c := range cols {
			if c.DisplayName == h {
				return c.FieldName, nil
			}
		}
		return "", fmt.Errorf("the portal did not find the column \"%s\" in the file it was sent", h)
	}
	exprFor := map[string]string{}
	for i, c := range u.plan.Columns {
		idx := c.Index
		if !d.raw {
			idx = i
		}
		name, err := inputFor(idx)
		if err != nil {
			return nil, d.failed("mapping the columns", err)
		}
		ref := "`" + name + "`"
		exprFor[c.Conv.Field] = strings.ReplaceAll(d.exprs[i], "%s", ref)
	}
	for i, p := range u.plan.Points {
		name, err := inputFor(len(u.plan.Columns) + i)
		if err != nil {
			return nil, d.failed("mapping the columns", err)
		}
		exprFor[p.Field] = strings.ReplaceAll(d.exprs[len(u.plan.Columns)+i], "%s", "`"+name+"`")
	}
	current := map[string]socrata.OutputColumnSpec{}
	for _, s := range out.Specs() {
		current[s.FieldName] = s
	}
	var want []socrata.OutputColumnSpec
	var missing []string
	for _, c := range u.ds.Columns {
		expr, mapped := exprFor[c.FieldName]
		cur, has := current[c.FieldName]
		if u.job.Method == wizard.Delete && c.FieldName != u.rowID {
			continue
		}
		if !mapped && !has {
			missing = append(missing, c.FieldName)
		}
		switch {
		case mapped:
			s := cur
			s.FieldName, s.TransformExpr = c.FieldName, expr
			if !has {
				s.DisplayName, s.Description = c.Name, c.Description
			}
			s.IsPrimaryKey = c.FieldName == u.rowID
			want = append(want, s)
		case has:
			want = append(want, cur)
		}
	}
	for i := range want {
		want[i].Position = i
	}
	if len(missing) > 0 && (u.job.Method == wizard.Upsert || u.job.Method == wizard.Append) {
		u.res.Notes = append(u.res.Notes, fmt.Sprintf(
			"The file does not fill %s %s. Through the Data Management API a portal may treat a field missing from the file as one to empty or drop; check the dataset's columns, or send updates that leave fields out through SODA.",
			wording.Plural(len(missing), "field", "fields"), strings.Join(missing, ", ")))
	}
	if sameColumns(want, out.Specs()) {
		return nil, nil
	}
	return want, nil
}

// sameColumns reports whether two output column lists fill the same
// fields with the same transforms.
func sameColumns(a, b []socrata.OutputColumnSpec) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]string{}
	for _, s := range b {
		m[s.FieldName] = strings.Join(strings.Fields(s.TransformExpr), " ")
	}
	for _, s := range a {
		if e, ok := m[s.FieldName]; !ok || e != strings.Join(strings.Fields(s.TransformExpr), " ") {
			return false
		}
	}
	return true
}

// collectErrors fetches the rows the portal cannot convert and finds the
// line of each in the file: the error rows come back in file order with
// the cells as they were sent, so one pass over the file, matching each
// error row to the next record with the same cells, places them all.
// Rows with the wrong number of cells, which the portal leaves out of its
// error rows, are found on the same pass.
func (d *dsmRun) collectErrors(in *socrata.InputSchema, out *socrata.OutputSchema) error {
	u := d.u
	var errRows *csv.Reader
	if out.ErrorCount > 0 {
		body, err := u.c.SchemaErrors(u.send, d.src, in.ID, out.ID)
		if err != nil {
			return d.failed("fetching the rows the portal cannot convert", err)
		}
		defer body.Close()
		errRows = csv.NewReader(body)
		errRows.FieldsPerRecord = -1
		errRows.ReuseRecord = true
		if _, err := errRows.Read(); err != nil {
			errRows = nil
		}
	}
	next := func() ([]string, bool) {
		if errRows == nil {
			return nil, false
		}
		rec, err := errRows.Read()
		if err != nil {
			errRows = nil
			return nil, false
		}
		return rec, true
	}
	rr, err := u.f.Records()
	if err != nil {
		return &uploadError{msg: err.Error(), err: err}
	}
	defer rr.Close()
	var cells []string
	var scratch []byte
	want, ok := next()
	found := int64(0)
	for ok || (d.raw && in.NumRowErrors > found) {
		rec, err := rr.Next()
		if err == io.EOF {
			break
		}
		ce := csvProblem(err)
		if err != nil && (ce == nil || ce.Fatal()) {
			break
		}
		if ce != nil {
			if d.raw && ce.Kind == wizard.ErrRaggedRow {
				found++
				if err := d.reject(rec.Line, rec.Fields, ce.Message); err != nil {
					return err
				}
			}
			continue
		}
		if !ok {
			continue
		}
		cells = rec.Fields
		if !d.raw {
			var reason string
			scratch, reason = d.enc.encode(scratch[:0], rec.Fields)
			if reason != "" {
				continue // rejected here, never sent
			}
			cells = splitCSVLine(scratch, cells[:0:0])
		}
		if sameCells(cells, want[:len(want)-1]) {
			if err := d.reject(rec.Line, rec.Fields, want[len(want)-1]); err != nil {
				return err
			}
			want, ok = next()
		}
	}
	// Error rows not found in the file (it changed meanwhile, say) are
	// still reported, without a line.
	for ok {
		if err := d.reject(0, want[:len(want)-1], want[len(want)-1]); err != nil {
			return err
		}
		want, ok = next()
	}
	return nil
}

// reject records one row the portal cannot convert.
func (d *dsmRun) reject(line int, fields []string, reason string) error {
	u := d.u
	u.res.Rejected++
	u.addProblem(RowProblem{Line: line, Message: reason})
	if err := d.rej.Add(line, fields, reason); err != nil {
		return &uploadError{msg: err.Error(), err: err}
	}
	return nil
}

func sameCells(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.TrimSpace(a[i]) != strings.TrimSpace(b[i]) {
			return false
		}
	}
	return true
}

// splitCSVLine reads back one line the converted form wrote.
func splitCSVLine(line []byte, dst []string) []string {
	r := csv.NewReader(bytes.NewReader(line))
	rec, err := r.Read()
	if err != nil {
		return dst
	}
	return append(dst, rec...)
}

// apply applies the revision and follows it to its end. Once the apply is
// sent, a stop no longer stops it: the portal carries on, so the upload
// waits to say how it ended.
func (d *dsmRun) apply(outputID int) error {
	u := d.u
	r := u.res
	d.stage("the portal is applying the change")
	_, err := u.c.ApplyRevision(u.send, d.rev, outputID)
	if err != nil {
		if !errors.Is(err, socrata.ErrOutcomeUnknown) {
			return d.failed("applying the revision", err)
		}
		// Did it start? The revision's task sets say.
		rev, gerr := u.c.GetRevision(u.send, d.rev.Dataset, d.rev.Seq)
		if gerr != nil {
			d.applying = true
			r.UnknownFrom, r.UnknownTo = r.FirstLine, max(d.lastLineSent(), r.FirstLine)
			return &uploadError{msg: "the apply may or may not have started: " + wizard.FailureText(err),
				hint: fmt.Sprintf("Look at the dataset at %s before you try again.", r.Link), err: err}
		}
		if _, started := rev.LatestTaskSet(); !started {
			return d.failed("applying the revision", err)
		}
	}
	d.applying = true
	for n := 0; ; n++ {
		rev, err := u.c.GetRevision(u.send, d.rev.Dataset, d.rev.Seq)
		if err != nil {
			r.UnknownFrom, r.UnknownTo = r.FirstLine, max(d.lastLineSent(), r.FirstLine)
			return &uploadError{msg: "the apply started, but its progress could not be read: " + wizard.FailureText(err),
				hint: fmt.Sprintf("Look at the dataset at %s to see whether the change was applied.", r.Link), err: err}
		}
		ts, ok := rev.LatestTaskSet()
		if ok && ts.Done() {
			return d.finish(ts)
		}
		stage := "the portal is applying the change"
		if ok && ts.Status != "" {
			stage += " (" + strings.ReplaceAll(ts.Status, "_", " ") + ")"
		}
		phase := PhaseProcessing
		if u.stopping() {
			phase = PhaseStopping
			stage += "; it cannot be stopped now, so this waits to tell you how it ends"
		}
		u.report(func(p *Progress) { p.Phase, p.Stage = phase, stage })
		if err := d.poll(u.send, n); err != nil {
			r.UnknownFrom, r.UnknownTo = r.FirstLine, max(d.lastLineSent(), r.FirstLine)
			return &uploadError{msg: "stopped waiting for the apply, which the portal may still finish",
				hint: fmt.Sprintf("Look at the dataset at %s in a few minutes.", r.Link), err: errors.Join(context.Canceled, err)}
		}
	}
}

// finish reads how the apply ended.
func (d *dsmRun) finish(ts socrata.TaskSet) error {
	u := d.u
	r := u.res
	var details map[string]any
	if n := len(ts.Log); n > 0 {
		details = ts.Log[n-1].Details
	}
	switch {
	case ts.Failed():
		msg, _ := details["message"].(string)
		if msg == "" {
			msg = "the portal did not say why"
		}
		d.applying = false // a failed revision is discarded
		return &uploadError{msg: "the portal could not apply the change, so the dataset is unchanged: " + msg,
			hint: "Fix what the portal names, then upload again."}
	case ts.AwaitingApproval():
		r.AwaitingApproval = true
	}
	count := func(keys ...string) (int64, bool) {
		for _, k := range keys {
			if v, ok := details[k].(float64); ok {
				return int64(v), true
			}
		}
		return 0, false
	}
	created, ok1 := count("created", "rows_created", "inserted")
	updated, ok2 := count("updated", "rows_updated")
	deleted, ok3 := count("deleted", "rows_deleted")
	r.Created, r.Updated, r.Deleted = created, updated, deleted
	if !ok1 && !ok2 && !ok3 && !ts.AwaitingApproval() {
		r.Notes = append(r.Notes, "The portal applied the change but did not say how many rows it created, updated or deleted.")
	}
	if nf, ok := count("not_found"); ok && nf > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%s %s to delete %s not in the dataset.", wording.Count(nf), wording.Plural(int(min(nf, 2)), "row", "rows"), wording.Plural(int(min(nf, 2)), "was", "were")))
	}
	r.Complete = true
	r.AppliedThrough = d.lastLineSent()
	return nil
}
