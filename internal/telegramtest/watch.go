package telegramtest

// Changes returns a channel that is closed at the server's next change of
// state (an update queued or delivered, a call answered, a message sent or
// edited). Take the channel before looking at the state, then wait on it:
// a change in between still closes it. Many watchers cost one channel, so
// a load test with a thousand users watches with one goroutine.
func (s *Server) Changes() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	return s.changed
}

// CallsSince returns the calls after the first n, in the order they
// finished (Call.Seq n+1 on), so that a watcher reads each call once
// instead of copying the whole record at every change.
func (s *Server) CallsSince(n int) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < 0 {
		n = 0
	}
	if n >= len(s.calls) {
		return nil
	}
	out := make([]Call, len(s.calls)-n)
	for i, c := range s.calls[n:] {
		out[i] = c.clone()
	}
	return out
}

// Closed reports whether the server has been closed.
func (s *Server) Closed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}
