package socratatest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
)

// Portal is an in-process Socrata portal. Its zero value is not usable;
// make one with [NewPortal] or [NewServer]. All methods are safe for
// concurrent use, and so is the handler it serves.
type Portal struct {
	domain         string
	shape          WriteShape
	chunkSize      int64
	chunkParallel  int
	samples        bool
	generatedCount int

	mu       sync.RWMutex
	users    map[string]*user // by id
	datasets map[string]*dataset
	order    []string // dataset ids in the order they were added
	gen      *generator
	nextCol  int
	nextSID  uint64

	dsm dsmState

	faultMu   sync.Mutex
	faultHook func(*http.Request) Fault
	faultNext []countedFault

	logMu sync.Mutex
	log   []Request

	tmpOnce sync.Once
	tmpDir  string
	tmpErr  error
}

// Option configures a [Portal] made by [NewPortal] or [NewServer].
type Option func(*Portal)

// WithSamples seeds the sample world: two publishers and a viewer,
// the key sample datasets (park visits, bridge inspections, road salt
// deliveries), a synced new-backend copy, a story and a map, a private
// dataset of another user, a dataset shared to the demo user, and a few
// dozen generated agency datasets. See [Portal.Demo] for the demo account and
// the ...ID constants for the dataset ids.
func WithSamples() Option { return func(p *Portal) { p.samples = true } }

// WithGeneratedDatasets adds n generated datasets (public, made from agency
// and topic templates) to the catalog, on top of any samples. They cost a
// few bytes each until a request touches one, so n may be 10,000 or more
// to exercise the catalog's paging window.
func WithGeneratedDatasets(n int) Option {
	return func(p *Portal) {
		if n > 0 {
			p.generatedCount = n
		}
	}
}

// WithWriteShape chooses which of the three SODA write response shapes the
// portal answers upserts and replaces with. The default is
// [SnakeCaseShape].
func WithWriteShape(s WriteShape) Option { return func(p *Portal) { p.shape = s } }

// WithDomain sets the domain name the catalog reports in
// metadata.domain and accepts in its domains parameter (default
// "data.ct.gov"). Links always use the address a request arrived on, so
// they work whatever the server listens on.
func WithDomain(name string) Option { return func(p *Portal) { p.domain = name } }

// WithChunkSize sets the preferred_chunk_size (in bytes) and
// preferred_upload_parallelism the Data Management API's initiate call
// answers with. Chunks larger than size are refused, as they would be by
// a real portal; small sizes make tests exercise many chunks.
func WithChunkSize(size int64, parallelism int) Option {
	return func(p *Portal) {
		if size > 0 {
			p.chunkSize = size
		}
		if parallelism > 0 {
			p.chunkParallel = parallelism
		}
	}
}

// NewPortal makes a portal configured by opts. Serve it with
// [Portal.Handler]; call [Portal.Close] when done to remove the temporary
// files Data Management API uploads are spooled to.
func NewPortal(opts ...Option) *Portal {
	p := &Portal{
		domain:        "data.ct.gov",
		shape:         SnakeCaseShape,
		chunkSize:     4 << 20,
		chunkParallel: 4,
		users:         map[string]*user{},
		datasets:      map[string]*dataset{},
		nextCol:       6_100_001,
	}
	for _, o := range opts {
		o(p)
	}
	p.dsm.init()
	var owners []*user
	if p.samples {
		owners = p.seedSamples()
	}
	extra := p.generatedCount
	if p.samples {
		extra += sampleGeneratedCount
	}
	if extra > 0 {
		if len(owners) == 0 {
			owners = []*user{p.addUserLocked(teamUserSpec())}
		}
		p.gen = newGenerator(extra, owners, p.datasets)
	}
	return p
}

// Handler returns the http.Handler that serves the portal's API, so a
// command can serve it on any address.
func (p *Portal) Handler() http.Handler {
	mux := http.NewServeMux()
	p.routes(mux)
	return p.middleware(mux)
}

// Close removes the temporary files that uploads were spooled to. The
// handler must not be used after Close.
func (p *Portal) Close() error {
	p.dsm.closeAll()
	if p.tmpDir != "" {
		return os.RemoveAll(p.tmpDir)
	}
	return nil
}

// SetWriteShape changes the SODA write response shape for later requests,
// so one portal can serve a table test over all three shapes.
func (p *Portal) SetWriteShape(s WriteShape) {
	p.mu.Lock()
	p.shape = s
	p.mu.Unlock()
}

// Domain is the domain name the catalog reports.
func (p *Portal) Domain() string { return p.domain }

// Server is a [Portal] served over HTTP on a loopback address, like an
// httptest.Server.
type Server struct {
	// URL is the base URL, such as http://127.0.0.1:43117, with no
	// trailing slash.
	URL string
	// Portal is the portal being served; use it to set faults, add users
	// and datasets, and inspect rows and requests.
	Portal *Portal

	srv  *httptest.Server
	cert *Certificate // nil unless made by NewTLSServer
}

// NewServer starts a portal configured by opts on 127.0.0.1 and a free
// port. The caller must Close it.
func NewServer(opts ...Option) *Server {
	p := NewPortal(opts...)
	s := httptest.NewServer(p.Handler())
	// net/http keeps two idle connections per host by default, so four
	// chunks uploaded in parallel would dial two new connections each
	// round.
	s.Client().Transport.(*http.Transport).MaxIdleConnsPerHost = 16
	return &Server{URL: s.URL, Portal: p, srv: s}
}

// Client returns an http.Client that talks to the server. It keeps up
// to 16 idle connections, so parallel uploads reuse theirs.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Close shuts the server down, waits for requests in flight, and removes
// the portal's temporary files.
func (s *Server) Close() {
	s.srv.Close()
	s.Portal.Close()
}

// Host is the server's host and port, such as "127.0.0.1:43117": the
// form a socrata client takes as its domain for a loopback portal.
func (s *Server) Host() string {
	return strings.TrimPrefix(strings.TrimPrefix(s.URL, "http://"), "https://")
}

// tempDir makes (once) the directory uploads are spooled to.
func (p *Portal) tempDir() (string, error) {
	p.tmpOnce.Do(func() {
		p.tmpDir, p.tmpErr = os.MkdirTemp("", "socratatest-")
	})
	return p.tmpDir, p.tmpErr
}

// randomHex returns n random bytes as hex, from crypto/rand, for secrets
// and request ids.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails, as of Go 1.24
	return hex.EncodeToString(b)
}

// baseURL is the scheme and host a request arrived on, so that links work
// whatever address the handler is served on.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
