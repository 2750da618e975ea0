package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
)

// runPortal serves the sample portal until interrupted, so that the
// headless commands and other tools can be tried against it.
func runPortal(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "portal")
	addr := fs.String("addr", "127.0.0.1:0", "loopback address to listen on")
	dir := fs.String("samples", "", "folder for the sample CSV files (default: a new temporary folder)")
	extra := fs.Int("datasets", 0, "add this many generated datasets, to try browsing at scale (such as 10000)")
	if _, code, ok := parse(fs, args); !ok {
		return code
	}
	host, _, err := net.SplitHostPort(*addr)
	if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		fmt.Fprintf(e.stderr, "socrata-wizard: --addr %s is not a loopback address: the sample portal serves plain http, so it only listens on 127.0.0.1, ::1 or localhost\n", *addr)
		return exitUsage
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(e, fmt.Errorf("listen on %s: %w", *addr, err))
	}
	p := socratatest.NewPortal(socratatest.WithSamples(), socratatest.WithGeneratedDatasets(*extra))
	defer p.Close()
	if *dir == "" {
		if *dir, err = os.MkdirTemp("", "socrata-wizard-samples-"); err != nil {
			return fail(e, err)
		}
	}
	files, err := socratatest.WriteSamples(*dir)
	if err != nil {
		return fail(e, err)
	}
	url := "http://" + ln.Addr().String()
	d := p.Demo()
	fmt.Fprintf(e.stdout, "Sample portal: %s\n\n", url)
	fmt.Fprintf(e.stdout, "Demo publisher (made up for this run; nothing real):\n")
	fmt.Fprintf(e.stdout, "  API key id:     %s\n  API key secret: %s\n", d.KeyID, d.KeySecret)
	fmt.Fprintf(e.stdout, "  username:       %s\n  password:       %s\n\n", d.Username, d.Password)
	fmt.Fprintf(e.stdout, "Sample files:\n")
	for _, f := range files {
		fmt.Fprintf(e.stdout, "  %s\n", f)
	}
	fmt.Fprintf(e.stdout, "\nTry: SOCRATA_KEY_ID=%s SOCRATA_KEY_SECRET=... socrata-wizard datasets --domain %s\n", d.KeyID, url)
	fmt.Fprintf(e.stdout, "Press ctrl+c to stop.\n")

	srv := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
		return exitOK
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return exitOK
		}
		return fail(e, err)
	}
}
