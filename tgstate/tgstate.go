// Package tgstate holds what MCU keeps in PostgreSQL about its Telegram
// conversations: updates received and not yet handled (the inbox) and
// conversations in progress (dialogs). storage reads and writes them;
// transport and bot use them without importing storage. It imports
// nothing: the domain (workflow) knows none of it, and it knows no
// appeal.
package tgstate

import (
	"encoding/json"
	"errors"
	"time"
)

// InboxUpdate is a Telegram update as received, kept until it has been
// handled.
type InboxUpdate struct {
	ID       int64
	Payload  []byte // the update's JSON
	Attempts int    // handlings started so far
}

// Dialog is a conversation in progress with one user in one chat: the
// resident's intake, or a staff member's prompt waiting for a reply. It
// lives in PostgreSQL so a restart loses nothing.
type Dialog struct {
	UserID    int64
	ChatID    int64
	Kind      string          // what the dialog is: "intake", "draft", ...
	State     string          // where it is
	Data      json.RawMessage // the dialog's own data
	UpdatedAt time.Time
}

// RejectedUpdate is a post to the webhook that could not be decoded as an
// update. It is kept for inspection, not handled.
type RejectedUpdate struct {
	UpdateID int64  // 0 when it could not be read
	Size     int    // bytes received
	Body     []byte // as received, up to the webhook's limit
	Reason   string // why it was rejected
}

// ErrProcessed is the error of an update handled before: its second
// delivery changes nothing.
var ErrProcessed = errors.New("update already processed")
