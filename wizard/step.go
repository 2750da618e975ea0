package wizard

import (
	"fmt"
	"slices"
)

// StepID names one step of the wizard.
type StepID int

// The steps, in the order a new publisher meets them.
const (
	StepAccount StepID = iota
	StepDataset
	StepMapping
	StepCheck
	StepUpload
	StepSave
	// StepDone is past the last step: the wizard has nothing left to ask.
	StepDone
)

// Steps lists the steps a user walks through, without StepDone.
var Steps = []StepID{StepAccount, StepDataset, StepMapping, StepCheck, StepUpload, StepSave}

// String is the step's title as the wizard shows it.
func (s StepID) String() string {
	switch s {
	case StepAccount:
		return "Account"
	case StepDataset:
		return "Dataset"
	case StepMapping:
		return "Mapping"
	case StepCheck:
		return "Check"
	case StepUpload:
		return "Upload"
	case StepSave:
		return "Save job"
	case StepDone:
		return "Done"
	}
	return fmt.Sprintf("StepID(%d)", int(s))
}

// Next is the step after cur. It is a function of the draft so that steps
// can be skipped when what they ask is already known.
func Next(cur StepID, d *Draft) StepID {
	i := slices.Index(Steps, cur)
	if i < 0 || i == len(Steps)-1 {
		return StepDone
	}
	// A file that was only checked, never sent, still deserves a job
	// file, but an upload that failed outright has nothing worth saving
	// until the user fixes it: stay on the upload step.
	if cur == StepUpload && d != nil && d.UploadFailed {
		return StepUpload
	}
	return Steps[i+1]
}

// Prev is the step before cur, or cur itself on the first step.
func Prev(cur StepID, d *Draft) StepID {
	if cur == StepDone {
		return Steps[len(Steps)-1]
	}
	i := slices.Index(Steps, cur)
	if i <= 0 {
		return StepAccount
	}
	// Signed-in users of a fixed account (the demo, or a profile chosen on
	// the command line) have no account step to go back to.
	if cur == StepDataset && d != nil && d.AccountFixed {
		return StepDataset
	}
	return Steps[i-1]
}
