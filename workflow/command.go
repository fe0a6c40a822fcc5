package workflow

import (
	"strings"
	"unicode/utf8"
)

// Command asks the workflow to fire Event on an appeal as Actor.
type Command struct {
	AppealID int64
	Event    Event
	Actor    Actor
	// Version is the appeal version the actor saw (on a card, in a
	// button); when set and stale, the command fails with a conflict, so
	// two people pressing the same button at once get one change.
	Version int
	Input   Input
	// Told says the resident is told of this change where they made it
	// (the bot's dialog shows the registration number in place): no
	// separate message goes to them.
	Told bool
}

// Input is what an event carries besides its name. It is stored in the
// audit trail as the event's payload.
type Input struct {
	Text        string       `json:"text,omitempty"`        // a question, reply, draft or comment
	Reason      string       `json:"reason,omitempty"`      // a reason code or wording
	Direction   string       `json:"direction,omitempty"`   // route, reroute: the new direction; register: the one submitted to
	Authority   string       `json:"authority,omitempty"`   // redirect: the competent body
	Days        int          `json:"days,omitempty"`        // extend: by how many days
	Rating      int          `json:"rating,omitempty"`      // rate: 1–5
	Solved      string       `json:"solved,omitempty"`      // close, reopen: yes, no or partly
	Attachments []Attachment `json:"attachments,omitempty"` // photos of a reply or a draft
	DueAt       string       `json:"due_at,omitempty"`      // register, extend: the new deadline (RFC 3339)
	Number      string       `json:"number,omitempty"`      // register: the registration number
	Incident    int64        `json:"incident,omitempty"`    // join_incident, leave_incident, answer_incident: the incident
}

// Answers of the resident to «Проблема решена?».
const (
	SolvedYes    = "yes"
	SolvedNo     = "no"
	SolvedPartly = "partly"
)

// Limits on texts. Telegram messages are at most 4096 characters, but a
// long appeal is stored whole and split where it is shown.
const (
	MaxTextRunes   = 20000
	MaxReasonRunes = 1000
)

// text returns s trimmed, or an invalid error naming what when it is
// empty or longer than max characters.
func text(s, what string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Errorf(EInvalid, "%s is empty", what)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", Errorf(EInvalid, "%s is %d characters long, more than %d", what, n, max)
	}
	return s, nil
}
