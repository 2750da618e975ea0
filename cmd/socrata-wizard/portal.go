package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
)

// runPortal serves the sample portal until interrupted, so that the
// headless commands and other tools can be tried against it, over https
// for tools that speak nothing else, and with faults to rehearse what a
// scheduled job does when the portal misbehaves.
func runPortal(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "portal")
	addr := fs.String("addr", "127.0.0.1:0", "loopback address to listen on")
	dir := fs.String("samples", "", "folder for the sample CSV files (default: a new temporary folder)")
	extra := fs.Int("datasets", 0, "add this many generated datasets, to try browsing at scale (such as 10000)")
	answer := fs.String("answer", "snake", "how SODA writes are answered, in one of the shapes portals use:\nlegacy (\"Rows Created\", \"Errors\": a count), snake (rows_created,\nerrors: a list) or stream (one entry per row)")
	useTLS := fs.Bool("tls", false, "serve https with a certificate made for this run, written beside\nthe sample files, and say how to trust it (socrata-py speaks only https)")
	faults := fs.String("faults", "", "inject faults, such as redirect-writes,slow=30s,drop=5% (the list is below)")
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprintf(e.stderr, "\nFaults for --faults, separated by commas:\n%s", socratatest.FaultUsage)
	}
	if _, code, ok := parse(fs, args); !ok {
		return code
	}
	shape, err := socratatest.ParseWriteShape(*answer)
	if err != nil {
		fmt.Fprintf(e.stderr, "socrata-wizard: --answer: %v\n", err)
		return exitUsage
	}
	list, err := socratatest.ParseFaults(*faults)
	if err != nil {
		fmt.Fprintf(e.stderr, "socrata-wizard: --faults: %v\nRun \"socrata-wizard portal --help\" for the list.\n", err)
		return exitUsage
	}
	host, _, err := net.SplitHostPort(*addr)
	if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		fmt.Fprintf(e.stderr, "socrata-wizard: --addr %s is not a loopback address: the sample portal is for this machine only, so it listens on 127.0.0.1, ::1 or localhost\n", *addr)
		return exitUsage
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(e, fmt.Errorf("listen on %s: %w", *addr, err))
	}
	defer ln.Close()
	p := socratatest.NewPortal(socratatest.WithSamples(), socratatest.WithGeneratedDatasets(*extra),
		socratatest.WithWriteShape(shape), socratatest.WithFaults(list))
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
	srv := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(e.stderr, "portal: ", 0)}
	url := "http://" + ln.Addr().String()
	var trust socratatest.TrustFiles
	if *useTLS {
		cert, err := socratatest.NewCertificate()
		if err != nil {
			return fail(e, err)
		}
		if trust, err = cert.WriteTrustFiles(*dir); err != nil {
			return fail(e, err)
		}
		srv.TLSConfig = cert.ServerConfig()
		url = "https://" + ln.Addr().String()
	}

	d := p.Demo()
	fmt.Fprintf(e.stdout, "Sample portal: %s\n\n", url)
	fmt.Fprintf(e.stdout, "Demo publisher (made up for this run; nothing real):\n")
	fmt.Fprintf(e.stdout, "  API key id:     %s\n  API key secret: %s\n", d.KeyID, d.KeySecret)
	fmt.Fprintf(e.stdout, "  username:       %s\n  password:       %s\n\n", d.Username, d.Password)
	fmt.Fprintf(e.stdout, "Sample files:\n")
	for _, f := range files {
		fmt.Fprintf(e.stdout, "  %s\n", f)
	}
	trustGo := ""
	if *useTLS {
		fmt.Fprintf(e.stdout, "\nHTTPS certificate to trust (made for this run, good for this portal only):\n  %s\n", trust.PEM)
		fmt.Fprintf(e.stdout, "  socrata-py (requests):  REQUESTS_CA_BUNDLE=%s\n", trust.PEM)
		fmt.Fprintf(e.stdout, "  RSocrata (httr):        R_PROFILE_USER=%s\n", trust.RProfile)
		fmt.Fprintf(e.stdout, "                          (it runs httr::set_config(httr::config(cainfo = ...)))\n")
		fmt.Fprintf(e.stdout, "  curl:                   curl --cacert %s\n", trust.PEM)
		fmt.Fprintf(e.stdout, "  socrata-wizard:         SSL_CERT_FILE=%s\n", trust.PEM)
		trustGo = "SSL_CERT_FILE=" + trust.PEM + " "
	}
	fmt.Fprintf(e.stdout, "\nSODA writes are answered in the %s shape.\n", shape)
	if !list.Empty() {
		fmt.Fprintf(e.stdout, "Faults injected: %s\n", list)
	}
	fmt.Fprintf(e.stdout, "\nTry: %sSOCRATA_KEY_ID=%s SOCRATA_KEY_SECRET=... socrata-wizard datasets --domain %s\n", trustGo, d.KeyID, url)
	fmt.Fprintf(e.stdout, "Press ctrl+c to stop.\n")

	errc := make(chan error, 1)
	go func() {
		if *useTLS {
			errc <- srv.ServeTLS(ln, "", "")
			return
		}
		errc <- srv.Serve(ln)
	}()
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
