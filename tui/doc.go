// Package tui is the terminal interface of socrata-wizard: one Bubble Tea
// model per wizard step, a thin root model that routes messages to the
// active step and draws the frame around it, and the key bindings and
// styles, each kept in one place.
//
// The steps hold no domain logic: they call package wizard and its
// sub-packages (account to sign in, upload to send the file, interop for
// the exports the save step writes) for it, and do all input and output
// inside tea.Cmd functions (commands.go), never in Update or View. Each
// reply a newer request can make stale carries a sequence number.
package tui
