package socratatest

import "net/http"

type dsmState struct{}

func (s *dsmState) init()     {}
func (s *dsmState) closeAll() {}

func (p *Portal) dsmRoutes(mux *http.ServeMux) {}
