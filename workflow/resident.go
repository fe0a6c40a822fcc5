package workflow

import "time"

// ResidentProfile is a person who writes to the bot: the personal data
// kept apart from appeals. A resident exists only after
// consent to personal-data processing (152-ФЗ).
type ResidentProfile struct {
	ID     int64 // residents.id
	UserID int64 // Telegram user id
	ChatID int64 // the private chat with the bot
	Name   string
	Phone  string
	// ConsentAt is when the resident agreed, ConsentVersion to which text.
	ConsentAt      time.Time
	ConsentVersion string
	// BlockedAt is when the resident blocked the bot; zero when not.
	BlockedAt time.Time
}

// Consented reports whether the resident has agreed to personal-data
// processing.
func (r *ResidentProfile) Consented() bool { return r != nil && !r.ConsentAt.IsZero() }

// Consent is a resident's agreement to personal-data processing.
type Consent struct {
	UserID  int64
	ChatID  int64
	Name    string
	Version string // the version of the consent text shown
	At      time.Time
}
