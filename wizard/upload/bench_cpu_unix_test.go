//go:build unix

package upload

import (
	"syscall"
	"time"
)

// processCPU is the CPU time this process has used, user and system, so
// that a benchmark can compare the work two things take even on a busy
// machine, where their wall-clock times mostly measure the wait for a
// CPU.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
