// Package socrata is a client for the parts of a Socrata open data portal
// that a publisher needs: who am I, which datasets can I edit, what do they
// look like, and how do I write rows to them (SODA and the Data Management
// API).
//
// It is written in the manner of net/http: a [Client] is bound to one
// portal domain, every call takes a [context.Context], and failures the
// portal reports come back as *[APIError] values that carry the HTTP status,
// Socrata's error code and a message fit to show a person. The package has
// no user-interface code and imports nothing from charmbracelet.
//
// # Addresses
//
// [ParseDomain] and [ParseDatasetRef] read what people type or paste. A
// [Domain] is the bare host for real portals ("data.ct.gov") and keeps its
// scheme only for test portals on loopback ("http://127.0.0.1:8080"); plain
// http anywhere else is refused with [ErrInsecure].
//
// # Failures
//
// Every answer outside 2xx is an *APIError, whatever its body (Socrata's
// JSON in its several shapes, text, or a proxy's HTML page); a 2xx answer
// that is not JSON is one too. Any 2xx answer that is not the JSON
// expected (not JSON at all, or JSON of another shape, such as a user
// without an id) matches [ErrNotSocrata], while one cut short is a failed
// connection.
// Transport failures keep their cause, so errors.As finds *net.DNSError,
// *net.OpError, TLS errors and context errors. No error text ever holds
// the secret, the Basic header or the app token.
//
// # Retries
//
// Calls that are safe to repeat (GETs, [Client.Upsert], DSMAPI chunk
// uploads and discards) are retried on 429, 502, 503, 504 and network
// failures, with jittered exponential backoff that honours Retry-After
// ([RetryPolicy]); a call that was retried and still failed is a
// *[RetryError] wrapping the last failure. [Client.Replace],
// [Client.Append] and [Client.ApplyRevision] are never retried; when they
// fail after the request may have reached the portal, the error is an
// *[OutcomeError], matching [ErrOutcomeUnknown], that says what to check.
package socrata
