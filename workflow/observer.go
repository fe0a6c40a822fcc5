package workflow

// Observer is told what became of each event the Service fires, for
// metrics; cmd/mcu gives it one (package metrics), tests may leave it
// nil. Its methods must be quick and safe for concurrent use.
//
// An event fired inside a caller's transaction (ApplyIn, SubmitIn) is
// observed when the workflow has applied it, before that transaction
// commits: one whose commit then fails is counted anyway.
type Observer interface {
	// EventApplied: e was fired and its changes written.
	EventApplied(e Event)
	// EventRefused: e was refused with a domain error of code (EInvalid,
	// ENotFound, EConflict, EForbidden, ELimited). A submission refused
	// before its registration counts as a refused EventRegister. Internal
	// errors (the database failing) are not refusals and are not observed.
	EventRefused(e Event, code string)
}

// observe tells the Observer, if any, what became of e: applied when err
// is nil, refused when err carries a domain code.
func (s *Service) observe(e Event, err error) {
	if s.Observer == nil {
		return
	}
	switch code := ErrorCode(err); code {
	case "":
		s.Observer.EventApplied(e)
	case EInternal:
	default:
		s.Observer.EventRefused(e, code)
	}
}
