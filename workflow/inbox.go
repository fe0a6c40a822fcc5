package workflow

// InboxUpdate is a Telegram update as received, kept until it has been
// handled.
type InboxUpdate struct {
	ID       int64
	Payload  []byte // the update's JSON
	Attempts int    // handlings started so far
}
