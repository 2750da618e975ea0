//go:build !unix

package upload

import "time"

// processCPU is not measured here; the benchmark leaves the CPU ratios
// out.
func processCPU() (time.Duration, bool) { return 0, false }
