package workflow

import (
	"encoding/json"
	"time"
)

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
