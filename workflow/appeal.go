package workflow

import (
	"fmt"
	"slices"
	"time"
)

// Kind is the legal kind of an appeal; it decides the deadline.
type Kind string

// Kinds of appeal.
const (
	KindMessage  Kind = "message"  // «сообщение» written to the bot
	KindAppeal59 Kind = "appeal59" // «обращение» under 59-ФЗ from an official channel
	KindIncident Kind = "incident" // a post found in social networks
)

// Kinds returns every kind in a stable order, in a slice of the caller's
// own.
func Kinds() []Kind { return []Kind{KindMessage, KindAppeal59, KindIncident} }

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds(), k) }

// Source is the channel an appeal came by.
type Source string

// Sources of appeals.
const (
	SourceBot      Source = "bot"       // the resident wrote to the bot
	SourcePOS      Source = "pos"       // Платформа обратной связи (Госуслуги)
	SourceSocial   Source = "social"    // social networks
	SourcePhone    Source = "phone"     // by phone
	SourceInPerson Source = "in_person" // in person
	SourceEmail    Source = "email"     // by e-mail or letter
)

// Sources returns every source in a stable order, in a slice of the
// caller's own.
func Sources() []Source {
	return []Source{SourceBot, SourcePOS, SourceSocial, SourcePhone, SourceInPerson, SourceEmail}
}

// Valid reports whether s is a known source.
func (s Source) Valid() bool { return slices.Contains(Sources(), s) }

// Attachment is a file sent with an appeal, a reply or a draft, kept as a
// Telegram file id.
type Attachment struct {
	Kind         string `json:"kind"` // "photo" or "document"
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id,omitempty"`
}

// Location is a point on the map.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

// Appeal is a resident's appeal and everything the workflow knows of it.
type Appeal struct {
	ID        int64
	Year, Seq int // registration number parts; zero before registration
	Kind      Kind
	Source    Source
	State     State
	Direction string // direction code; "" while in triage

	ResidentID     int64 // residents.id; 0 when the citizen is not in Telegram
	ResidentUserID int64 // the resident's Telegram user id (read-only, joined)

	Text        string
	Address     string
	Location    *Location
	Attachments []Attachment
	// Forgotten: the content was erased with its author's personal data
	// (152-ФЗ: the consent revoked, or the retention period over); text,
	// address, place, photos, draft and answer are empty.
	Forgotten bool

	ExecutorID int64 // Telegram user id of the staff member who took it
	Draft      string
	Answer     string
	Reason     string // why it was rejected or redirected, or where to

	DueAt       time.Time
	Extended    bool
	Rating      int    // 1–5, 0 when not rated
	Solved      string // "yes", "no", "partly" or ""
	ReopenCount int
	// IncidentID is the incident the appeal is joined to; 0 for none.
	IncidentID int64

	Version   int // incremented by every change; for optimistic concurrency
	CreatedAt time.Time
	// ReceivedAt is when an appeal that came by another channel was
	// received there (59-ФЗ art. 8 part 2 gives three days to register
	// it); zero for the bot's own messages, received when created.
	ReceivedAt   time.Time
	RegisteredAt time.Time
	AnsweredAt   time.Time
	ClosedAt     time.Time
	UpdatedAt    time.Time
}

// Number returns the registration number, YYYY-NNNNNN, or "" before
// registration.
func (a *Appeal) Number() string {
	if a.Year == 0 {
		return ""
	}
	return FormatNumber(a.Year, a.Seq)
}

// FormatNumber formats a registration number: 2026-000017.
func FormatNumber(year, seq int) string {
	return fmt.Sprintf("%04d-%06d", year, seq)
}

// ParseNumber parses a registration number of the form YYYY-NNNNNN.
func ParseNumber(s string) (year, seq int, err error) {
	if len(s) != 11 || s[4] != '-' {
		return 0, 0, Errorf(EInvalid, "registration number %q is not of the form YYYY-NNNNNN", s)
	}
	for i, r := range s {
		if i == 4 {
			continue
		}
		if r < '0' || r > '9' {
			return 0, 0, Errorf(EInvalid, "registration number %q is not of the form YYYY-NNNNNN", s)
		}
		if i < 4 {
			year = year*10 + int(r-'0')
		} else {
			seq = seq*10 + int(r-'0')
		}
	}
	if year < 2000 || seq == 0 {
		return 0, 0, Errorf(EInvalid, "registration number %q is out of range", s)
	}
	return year, seq, nil
}

// Overdue reports whether the appeal is open and past its deadline at now.
func (a *Appeal) Overdue(now time.Time) bool {
	return a.State.Open() && !a.DueAt.IsZero() && now.After(a.DueAt)
}

// NewAppeal is what a resident or an operator submits.
type NewAppeal struct {
	Kind        Kind
	Source      Source
	Direction   string // "" sends it to triage
	ResidentID  int64  // residents.id; 0 for a citizen not in Telegram
	Text        string
	Address     string
	Location    *Location
	Attachments []Attachment
	// ContactName and Contact are the citizen's name and contact when an
	// operator registers an appeal from another channel.
	ContactName string
	Contact     string
	// ReceivedAt is when an appeal from another channel was received
	// there (a letter's date, say); zero means now. Not in the future;
	// a resident's message has none.
	ReceivedAt time.Time
	// Told says the resident is shown the registration number where they
	// submitted (the bot's dialog edits its summary into it), so no
	// separate notice goes to them.
	Told bool
}

// Direction is a line of work with its own curator and chat.
type Direction struct {
	Code     string
	Name     string
	Position int
	Active   bool
}
