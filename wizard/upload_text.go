package wizard

import (
	"fmt"
	"strings"
	"time"
)

// DescribeProgress words an upload's progress in one line, such as
// "batch 3 of 12 · 30,000 rows · 4.1 of 12.0 MB · 2.1 MB/s · about 0:12
// left". elapsed is the time since this run started; rates and the time
// left count only what this run read.
func DescribeProgress(p UploadProgress, elapsed time.Duration) string {
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
	}
	if p.Phase == PhaseSending || p.Phase == PhaseStopping {
		switch {
		case p.Batch > 0 && p.Batches >= p.Batch:
			parts = append(parts, fmt.Sprintf("batch %s of %s", groupDigits(int64(p.Batch)), groupDigits(int64(p.Batches))))
		case p.Batch > 0 && p.Batches > 0:
			parts = append(parts, fmt.Sprintf("batch %s of about %s", groupDigits(int64(p.Batch)), groupDigits(int64(p.Batch))))
		case p.Batch > 0:
			parts = append(parts, "batch "+groupDigits(int64(p.Batch)))
		}
	}
	if p.Rows > 0 {
		parts = append(parts, groupDigits(p.Rows)+" "+plural(int(min(p.Rows, 2)), "row", "rows"))
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
func SummaryLines(r *UploadResult) []string {
	if r == nil {
		return nil
	}
	var out []string
	out = append(out, fmt.Sprintf("Created %s %s, updated %s, deleted %s, rejected %s.",
		groupDigits(r.Created), plural(int(min(r.Created, 2)), "row", "rows"),
		groupDigits(r.Updated), groupDigits(r.Deleted), groupDigits(r.Rejected)))
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
func stopLines(r *UploadResult) []string {
	var out []string
	verb := "The upload failed"
	if r.Stopped {
		verb = "Stopped"
	}
	switch {
	case r.AppliedThrough >= r.FirstLine:
		out = append(out, fmt.Sprintf("%s after line %s: %s %s applied; nothing after.", verb, groupDigits(int64(r.AppliedThrough)),
			lineRange(r.FirstLine, r.AppliedThrough), plural(r.AppliedThrough-r.FirstLine+1, "was", "were")))
	case r.UnknownFrom == 0:
		out = append(out, verb+" before any row was applied: the dataset is unchanged.")
	}
	if r.UnknownFrom > 0 {
		s := lineRange(r.UnknownFrom, r.UnknownTo)
		out = append(out, strings.ToUpper(s[:1])+s[1:]+" may or may not have been applied: check the dataset before sending them again.")
	}
	if r.Resumable {
		next := groupDigits(int64(r.AppliedThrough + 1))
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
		return fmt.Sprintf("%s of %s bytes", groupDigits(n), groupDigits(total))
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

// shortDuration writes a wait such as "4s", "1m30s" or "0.5s".
func shortDuration(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// longDuration writes how long something took: "3.2 s", "4 min 12 s",
// "1 h 4 min".
func longDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < time.Hour:
		s := int64(d.Round(time.Second) / time.Second)
		return fmt.Sprintf("%d min %d s", s/60, s%60)
	}
	m := int64(d.Round(time.Minute) / time.Minute)
	return fmt.Sprintf("%d h %d min", m/60, m%60)
}
