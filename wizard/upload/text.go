package upload

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/internal/wording"
)

// DescribeProgress words an upload's progress in one line, such as
// "batch 3 of 12 · 30,000 rows · 4.1 of 12.0 MB · 2.1 MB/s · about 0:12
// left". elapsed is the time since this run started; rates and the time
// left count only what this run read.
func DescribeProgress(p Progress, elapsed time.Duration) string {
	var parts []string
	switch p.Phase {
	case PhasePreparing:
		parts = append(parts, "preparing")
	case PhaseStopping:
		parts = append(parts, "stopping after the request in flight")
	case PhaseProcessing:
		stage := p.Stage
		if stage == "" {
			stage = "the portal is processing the upload"
		}
		parts = append(parts, stage)
	case PhaseDone:
		parts = append(parts, "done")
	case PhaseSending: // the batch or chunk, below
	}
	if p.Phase == PhaseSending || p.Phase == PhaseStopping {
		unit := "batch"
		if p.Route == wizard.RouteDSMAPI {
			unit = "chunk"
		}
		switch {
		case p.Batch > 0 && p.Batches >= p.Batch:
			parts = append(parts, fmt.Sprintf("%s %s of %s", unit, wording.Count(int64(p.Batch)), wording.Count(int64(p.Batches))))
		case p.Batch > 0:
			// The estimate of the batches was too low, or there is none
			// yet: the number alone.
			parts = append(parts, unit+" "+wording.Count(int64(p.Batch)))
		}
	}
	if p.Rows > 0 {
		parts = append(parts, wording.Count(p.Rows)+" "+wording.Plural(int(min(p.Rows, 2)), "row", "rows"))
	}
	if p.TotalBytes > 0 && p.Phase != PhaseDone {
		parts = append(parts, sizeOf(p.Bytes, p.TotalBytes))
	}
	done := p.Bytes - p.StartBytes
	if secs := elapsed.Seconds(); done > 0 && secs >= 0.5 && p.Phase == PhaseSending {
		rate := float64(done) / secs
		parts = append(parts, rateText(rate))
		if left := p.TotalBytes - p.Bytes; left > 0 && rate > 0 {
			parts = append(parts, "about "+clock(time.Duration(float64(left)/rate*float64(time.Second)))+" left")
		}
	}
	if p.Note != "" {
		parts = append(parts, p.Note)
	}
	return strings.Join(parts, " · ")
}

// SummaryLines words an upload's result for the last screen and the
// headless log, one sentence a line: the counts, the time taken, the
// dataset's link, where rejected rows went, and, when it stopped early,
// exactly which lines were applied and how to go on.
func SummaryLines(r *Result) []string {
	if r == nil {
		return nil
	}
	var out []string
	out = append(out, fmt.Sprintf("Created %s %s, updated %s, deleted %s, rejected %s.",
		wording.Count(r.Created), wording.Plural(int(min(r.Created, 2)), "row", "rows"),
		wording.Count(r.Updated), wording.Count(r.Deleted), wording.Count(r.Rejected)))
	out = append(out, "Took "+longDuration(r.Duration)+".")
	if r.Link != "" {
		out = append(out, "Dataset: "+r.Link)
	}
	if r.RejectedFile != "" {
		out = append(out, "Rejected rows were written to "+r.RejectedFile+", each with its line number and the reason.")
	}
	if r.AwaitingApproval {
		out = append(out, "The portal sent the change to its approval queue: the rows appear once someone approves it.")
	}
	if !r.Complete {
		out = append(out, stopLines(r)...)
	}
	out = append(out, r.Notes...)
	return out
}

// stopLines say what an upload that did not finish applied.
func stopLines(r *Result) []string {
	var out []string
	verb := "The upload failed"
	if r.Stopped {
		verb = "Stopped"
	}
	switch {
	case r.AppliedThrough >= r.FirstLine:
		out = append(out, fmt.Sprintf("%s after line %s: %s %s applied; nothing after.", verb, wording.Count(int64(r.AppliedThrough)),
			lineRange(r.FirstLine, r.AppliedThrough), wording.Plural(r.AppliedThrough-r.FirstLine+1, "was", "were")))
	case r.UnknownFrom == 0:
		out = append(out, verb+" before any row was applied: the dataset is unchanged.")
	}
	if r.UnknownFrom > 0 {
		s := wording.Capital(lineRange(r.UnknownFrom, r.UnknownTo))
		switch {
		case r.Resumable && r.ResumeChecksUnknown:
			out = append(out, s+" may or may not have been added. The dataset has no row identifier, so a resume first counts its rows to tell, and sends them only if they were not.")
		case r.Method == wizard.Replace || r.Route == wizard.RouteDSMAPI:
			out = append(out, s+" may or may not have been applied: look at the dataset before you send them again.")
		case r.Resumable:
			out = append(out, s+" may or may not have been applied; a resume sends them again, which is safe for rows the portal matches by their row identifier.")
		default:
			out = append(out, s+" may or may not have been applied: look at the dataset before you send them again.")
		}
	}
	if r.Resumable {
		next := wording.Count(int64(r.AppliedThrough + 1))
		if r.ResumeHint != "" {
			out = append(out, fmt.Sprintf("Resume with %s to continue from line %s.", r.ResumeHint, next))
		} else {
			out = append(out, fmt.Sprintf("Resume (--resume) to continue from line %s.", next))
		}
	}
	return out
}

// sizeOf writes "4.1 of 12.0 MB", in the unit that suits the total.
func sizeOf(n, total int64) string {
	unit, div := unitFor(total)
	if div == 1 {
		return fmt.Sprintf("%s of %s bytes", wording.Count(n), wording.Count(total))
	}
	return fmt.Sprintf("%.1f of %.1f %s", float64(n)/div, float64(total)/div, unit)
}

func unitFor(n int64) (string, float64) {
	switch {
	case n >= 1<<30:
		return "GB", 1 << 30
	case n >= 1<<20:
		return "MB", 1 << 20
	case n >= 1<<10:
		return "KB", 1 << 10
	}
	return "bytes", 1
}

// rateText writes a rate in bytes a second: "2.1 MB/s".
func rateText(perSec float64) string {
	unit, div := unitFor(int64(perSec))
	if div == 1 {
		return fmt.Sprintf("%.0f bytes/s", perSec)
	}
	return fmt.Sprintf("%.1f %s/s", perSec/div, unit)
}

// clock writes a duration as m:ss, or h:mm:ss past an hour.
func clock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// shortDuration writes a wait for a progress line: "4 s", "1 min 30 s",
// "0.5 s".
func shortDuration(d time.Duration) string {
	if d < time.Second {
		return strconv.FormatFloat(float64(d.Round(100*time.Millisecond))/float64(time.Second), 'f', -1, 64) + " s"
	}
	secs := int64(d.Round(time.Second) / time.Second)
	if secs < 60 {
		return fmt.Sprintf("%d s", secs)
	}
	if secs%60 == 0 {
		return fmt.Sprintf("%d min", secs/60)
	}
	return fmt.Sprintf("%d min %d s", secs/60, secs%60)
}

// longDuration writes how long something took, for a sentence: "less
// than a second", "3.2 seconds", "4 minutes 12 seconds", "1 hour 4
// minutes".
func longDuration(d time.Duration) string {
	unit := func(n int64, one, many string) string {
		return wording.Count(n) + " " + wording.Plural(int(min(n, 2)), one, many)
	}
	switch {
	case d < time.Second:
		return "less than a second"
	case d < 10*time.Second:
		tenths := d.Round(100 * time.Millisecond)
		if tenths%time.Second == 0 {
			return unit(int64(tenths/time.Second), "second", "seconds")
		}
		return strconv.FormatFloat(tenths.Seconds(), 'f', 1, 64) + " seconds"
	case d < time.Minute:
		return unit(int64(d.Round(time.Second)/time.Second), "second", "seconds")
	case d < time.Hour:
		s := int64(d.Round(time.Second) / time.Second)
		if s == 3600 {
			return "1 hour"
		}
		if s%60 == 0 {
			return unit(s/60, "minute", "minutes")
		}
		return unit(s/60, "minute", "minutes") + " " + unit(s%60, "second", "seconds")
	}
	m := int64(d.Round(time.Minute) / time.Minute)
	if m%60 == 0 {
		return unit(m/60, "hour", "hours")
	}
	return unit(m/60, "hour", "hours") + " " + unit(m%60, "minute", "minutes")
}
