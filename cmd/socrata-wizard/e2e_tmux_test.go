package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestDemoInTmux runs "socrata-wizard demo" in a real terminal (a private
// tmux server, 100x30), signs in with the demo account, waits for the
// dataset list, and quits with ctrl+c: the exit code is 130, the trail is
// printed, and the terminal is left as it was (same stty settings, main
// screen, cursor shown). It is skipped when tmux is not installed; CI
// installs it.
func TestDemoInTmux(t *testing.T) {
	tmuxPath, err := exec.LookPath("tmux")
	if err != nil {
		t.Skip("tmux is not installed")
	}
	bin := binary(t)
	dir := t.TempDir()
	socket := "swe2e-" + randomHex(t, 4)
	tmux := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(tmuxPath, append([]string{"-u", "-L", socket}, args...)...)
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "TMUX=") && !strings.HasPrefix(kv, "TMUX_TMPDIR=") {
				env = append(env, kv)
			}
		}
		cmd.Env = append(env, "TMUX_TMPDIR="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	// The pane outlives the program, so its exit code and the terminal's
	// state afterwards can be read.
	script := fmt.Sprintf(`saved=$(stty -g); env TMPDIR='%s' HOME='%s' '%s' demo; echo "EXIT=$?"; `+
		`if [ "$(stty -g)" = "$saved" ]; then echo TTY=restored; else echo TTY=changed; fi; sleep 60`, dir, dir, bin)
	tmux("new-session", "-d", "-s", "app", "-x", "100", "-y", "30", script)
	t.Cleanup(func() {
		cmd := exec.Command(tmuxPath, "-L", socket, "kill-server")
		cmd.Env = append(os.Environ(), "TMUX_TMPDIR="+dir)
		_ = cmd.Run()
	})
	waitPane := func(wants ...string) string {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			s := tmux("capture-pane", "-p", "-t", "app")
			missing := false
			for _, w := range wants {
				if !strings.Contains(s, w) {
					missing = true
				}
			}
			if !missing {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("the pane never showed %q:\n%s", wants, s)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	waitPane("DEMO", "Sign in to your portal", "[ Sign in ]")
	tmux("send-keys", "-t", "app", "Enter")
	waitPane("SAMPLE State Park Visits by Month", "datasets you can edit")
	tmux("send-keys", "-t", "app", "C-c")
	s := waitPane("EXIT=", "TTY=")
	for _, want := range []string{"EXIT=130", "TTY=restored", "Signed in as Dana Demo", "Stopped before the end; nothing after the last", "The sample files, and any job you saved, are in " + dir} {
		if !strings.Contains(s, want) {
			t.Errorf("after ctrl+c the pane lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "SAMPLE State Park Visits") {
		t.Errorf("the wizard's screen is still there after exit (alternate screen not left):\n%s", s)
	}
	if got := strings.TrimSpace(tmux("display-message", "-p", "-t", "app", "#{alternate_on} #{cursor_flag}")); got != "0 1" {
		t.Errorf("terminal after exit: alternate screen and cursor flags %q, want \"0 1\" (main screen, cursor shown)", got)
	}
}
