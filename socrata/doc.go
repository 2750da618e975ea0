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
package socrata
